package dev.pop3x;

import java.io.IOException;

import dev.pop3x.ledger.LedgerFencedException;
import dev.pop3x.policy.Claim;
import dev.pop3x.policy.MailboxStatistics;
import dev.pop3x.policy.MessageLifecycle;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.spi.ExceptionHandler;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.util.ObjectHelper;

/**
 * Hands a mail's outcome to the life cycle when its Exchange's unit of work really ends, on whatever thread that is
 * (asynchronous routes complete after the poll has moved on, or after it ended).
 */
final class MailCompletion implements Synchronization {

    private final MessageLifecycle lifecycle;
    private final Claim claim;
    private final PolledMail mail;
    private final MailboxStatistics statistics;
    private final ExceptionHandler errors;
    private final String mailbox;

    MailCompletion(MessageLifecycle lifecycle, Claim claim, PolledMail mail, MailboxStatistics statistics,
                   ExceptionHandler errors, String mailbox) {
        this.lifecycle = lifecycle;
        this.claim = claim;
        this.mail = mail;
        this.statistics = statistics;
        this.errors = errors;
        this.mailbox = mailbox;
    }

    @Override
    public void onComplete(Exchange exchange) {
        statistics.routeEnded();
        try (mail) {
            lifecycle.succeeded(claim, mail);
        } catch (IOException | RuntimeException e) {
            LedgerFencedException fenced = ObjectHelper.getException(LedgerFencedException.class, e);
            if (fenced != null) {
                mail.fenced(fenced); // deposed: the poll routes no mail more
            }
            // the one failure that breaks the delivery guarantee: the mail will come again
            errors.handleException(mailbox + ": cannot record the completion of mail " + claim.uid()
                                   + " in the ledger; it will be delivered again",
                    exchange, e);
        }
    }

    @Override
    public void onFailure(Exchange exchange) {
        statistics.routeEnded();
        try (mail) {
            lifecycle.failed(claim, failureText(exchange), mail);
        } catch (IOException | RuntimeException e) {
            LedgerFencedException fenced = ObjectHelper.getException(LedgerFencedException.class, e);
            if (fenced != null) {
                mail.fenced(fenced);
            }
            errors.handleException(mailbox + ": cannot record the failure of mail " + claim.uid() + " in the ledger",
                    exchange, e);
        }
    }

    private static String failureText(Exchange exchange) {
        Exception e = exchange.getException() != null
                ? exchange.getException() : exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Exception.class);
        return e == null ? "the route marked the Exchange as failed" : e.toString();
    }
}
