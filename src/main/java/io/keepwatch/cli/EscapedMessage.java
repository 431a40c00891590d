package io.keepwatch.cli;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Context;
import ch.qos.logback.core.CoreConstants;
import io.keepwatch.fs.NameText;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code %msg} (and {@code %m}, {@code %message}) of every log line, escaped by {@link NameText}: a file name
 * holding a newline cannot start a line of its own, and one holding bytes that are not UTF-8 shows them as
 * {@code \xNN}. Registered for both built-in setups ({@link LogConfigs}) and by the shipped logback.xml.
 */
public final class EscapedMessage extends MessageConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return NameText.escape(event.getFormattedMessage());
    }

    /** Makes {@code %msg}, {@code %m} and {@code %message} of every pattern in {@code ctx} this converter. */
    @SuppressWarnings("unchecked")
    static void register(Context ctx) {
        Map<String, String> rules = (Map<String, String>) ctx.getObject(CoreConstants.PATTERN_RULE_REGISTRY);
        if (rules == null) {
            rules = new HashMap<>();
            ctx.putObject(CoreConstants.PATTERN_RULE_REGISTRY, rules);
        }
        for (String word : new String[] {"msg", "m", "message"}) {
            rules.put(word, EscapedMessage.class.getName());
        }
    }
}
