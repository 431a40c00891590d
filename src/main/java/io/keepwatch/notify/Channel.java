package io.keepwatch.notify;

import java.io.IOException;

/** Somewhere messages are sent. {@link #send} returns only once the message was accepted, else throws with the reason. */
public interface Channel {
    /** For log lines and {@code notify --test}: {@code email to ops@example.org}, {@code webhook https://…}. */
    String name();

    void send(Rendered message) throws IOException;
}
