package dev.pop3x;

import dev.pop3x.session.MailboxMessage;
import org.apache.camel.Message;

/**
 * The CamelPop3x* headers of one delivery.
 *
 * @param mail      the mail as this session lists it
 * @param attempt   1 on the first delivery
 * @param firstSeen epoch millis when the consumer first saw the mail
 * @param truncated only the header is delivered
 */
record DeliveryHeaders(MailboxMessage mail, int attempt, long firstSeen, boolean truncated) {

    void applyTo(Message message) {
        message.setHeader(Pop3xConstants.UID, mail.uid());
        message.setHeader(Pop3xConstants.MESSAGE_NUMBER, mail.number());
        message.setHeader(Pop3xConstants.SIZE, mail.size());
        message.setHeader(Pop3xConstants.ATTEMPT, attempt);
        message.setHeader(Pop3xConstants.FIRST_SEEN, firstSeen);
        if (truncated) {
            message.setHeader(Pop3xConstants.TRUNCATED, true);
        }
    }
}
