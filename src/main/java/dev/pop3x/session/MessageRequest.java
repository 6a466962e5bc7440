package dev.pop3x.session;

import dev.pop3x.protocol.Pop3Command;

/**
 * A RETR or {@code TOP n 0} asked for in a session: the handle its answer is read with, so that an answer can only
 * ever be taken for the mail it belongs to.
 */
public final class MessageRequest {

    private final MailboxMessage mail;
    final Pop3Command<SpooledMessage> command;

    MessageRequest(MailboxMessage mail, Pop3Command<SpooledMessage> command) {
        this.mail = mail;
        this.command = command;
    }

    /** The mail asked for, as the session listed it. */
    public MailboxMessage mail() {
        return mail;
    }

    @Override
    public String toString() {
        return command + " (" + mail.uid() + ")";
    }
}
