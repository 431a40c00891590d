package io.keepwatch.notify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Reads a secret (the SMTP password, the webhook's signing key) from its file, else from an environment variable;
 * never from config.json. The value is never logged: errors name the file or the variable only.
 */
public final class Secrets {
    public static final String SMTP_PASSWORD_ENV = "KEEPWATCH_SMTP_PASSWORD";
    public static final String WEBHOOK_SECRET_ENV = "KEEPWATCH_WEBHOOK_SECRET";

    private final UnaryOperator<String> env;

    /** {@code env}: the environment (System::getenv; tests pass a map's get). */
    public Secrets(UnaryOperator<String> env) {
        this.env = env;
    }

    /** The file's content without its trailing line break, or the variable's value, or empty if neither is set. */
    public Optional<String> read(Optional<Path> file, String variable) throws IOException {
        if (file.isPresent()) {
            String s;
            try {
                s = Files.readString(file.get(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IOException("cannot read the secret file " + file.get() + " (" + e.getClass().getSimpleName() + ")", e);
            }
            return Optional.of(s.replaceAll("[\\r\\n]+$", ""));
        }
        String v = env.apply(variable);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }
}
