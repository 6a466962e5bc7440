package dev.pop3x.testsupport;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;

/**
 * Collects every log event (all loggers, DEBUG and up) while open, so tests can assert what a user would read in the
 * log: how many WARN lines a failure streak produced, and that no line carries a password.
 */
public final class LogCapture implements AutoCloseable {

    /** One captured line: level, logger, the formatted message and the stack trace text, if any. */
    public record Line(Level level, String logger, String message, String thrown) {

        /** Everything a reader of the log would see of this event. */
        public String text() {
            return message + (thrown == null ? "" : "\n" + thrown);
        }
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final AbstractAppender appender;
    private final LoggerContext context;

    public LogCapture() {
        context = (LoggerContext) LogManager.getContext(false);
        appender = new AbstractAppender("capture-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                String thrown = null;
                if (event.getThrown() != null) {
                    StringWriter w = new StringWriter();
                    event.getThrown().printStackTrace(new PrintWriter(w));
                    thrown = w.toString();
                }
                lines.add(new Line(event.getLevel(), event.getLoggerName(), event.getMessage().getFormattedMessage(),
                        thrown));
            }
        };
        appender.start();
        Configuration config = context.getConfiguration();
        // loggers below the root (dev.pop3x at DEBUG) pass their events up to it
        config.getRootLogger().addAppender(appender, Level.DEBUG, null);
        context.updateLoggers();
    }

    public List<Line> lines() {
        return lines;
    }

    /** Lines at exactly this level whose message contains the text. */
    public List<Line> at(Level level, String containing) {
        return lines.stream().filter(l -> l.level() == level && l.message().contains(containing)).toList();
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        config.getRootLogger().removeAppender(appender.getName());
        context.updateLoggers();
        appender.stop();
    }
}
