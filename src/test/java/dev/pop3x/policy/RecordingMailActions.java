package dev.pop3x.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import dev.pop3x.ledger.LedgerEntry;

/**
 * The consumer as the life cycle sees it: records what it is asked to do. The poll is open, takes DELEs, and the dead
 * letter endpoint takes every mail, unless a test says otherwise.
 */
final class RecordingMailActions implements MailActions {

    /** Runs while a dead letter is being sent, before the endpoint answers; what it throws reaches the caller. */
    @FunctionalInterface
    interface WhileSending {
        void run(LedgerEntry entry) throws IOException;
    }

    /** A dead letter handed to the endpoint (accepted or not). */
    record DeadLetter(String uid, int attempts, String failure) {
    }

    final List<String> deletes = new ArrayList<>();
    final List<DeadLetter> deadLetters = new ArrayList<>();
    boolean pollOpen = true;
    boolean deleteAccepted = true;
    boolean deadLetterAccepted = true;
    WhileSending whileSending = entry -> {
    };

    /** The poll the mail was delivered by has ended: it refuses DELEs too. */
    RecordingMailActions pollEnded() {
        pollOpen = false;
        deleteAccepted = false;
        return this;
    }

    RecordingMailActions refusingDeadLetters() {
        deadLetterAccepted = false;
        return this;
    }

    @Override
    public boolean delete(String uid) {
        deletes.add(uid);
        return deleteAccepted;
    }

    @Override
    public boolean pollOpen() {
        return pollOpen;
    }

    @Override
    public boolean deadLetter(LedgerEntry entry, String failure) {
        deadLetters.add(new DeadLetter(entry.uid(), entry.attempts(), failure));
        try {
            whileSending.run(entry);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return deadLetterAccepted;
    }
}
