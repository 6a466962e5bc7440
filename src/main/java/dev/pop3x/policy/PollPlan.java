package dev.pop3x.policy;

import java.util.List;

import dev.pop3x.session.MailboxMessage;

/**
 * What one poll will do, decided from the snapshot and the ledger before anything is downloaded.
 *
 * @param owedDeletes UIDLs to DELE first (completed earlier; the deletion was not confirmed by a QUIT yet)
 * @param candidates  mails to download and deliver, oldest first
 */
public record PollPlan(List<String> owedDeletes, List<MailboxMessage> candidates) {
}
