package io.keepwatch.notify;

/**
 * A message as it is sent: the subject ({@code keepwatch on HOST: backup FAILED for source docs}), a plain text and an
 * HTML body, and the message it was made from.
 */
public record Rendered(Message message, String host, String subject, String text, String html) {
}
