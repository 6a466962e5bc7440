package dev.pop3x;

import java.util.Map;

import dev.pop3x.session.MailboxMessage;

/**
 * The CamelPop3x* headers of one delivery.
 *
 * @param mail      the mail as this session lists it
 * @param attempt   1 on the first delivery
 * @param firstSeen epoch millis when the consumer first saw the mail
 * @param headersOnly only the header is delivered (oversizeAction=headers)
 */
record DeliveryHeaders(MailboxMessage mail, int attempt, long firstSeen, boolean headersOnly) {

    void applyTo(Map<String, Object> headers) {
        headers.put(Pop3xConstants.UID, mail.uid());
        headers.put(Pop3xConstants.MESSAGE_NUMBER, mail.number());
        headers.put(Pop3xConstants.SIZE, mail.size());
        headers.put(Pop3xConstants.ATTEMPT, attempt);
        headers.put(Pop3xConstants.FIRST_SEEN, firstSeen);
        if (headersOnly) {
            headers.put(Pop3xConstants.TRUNCATED, true);
        }
    }
}
