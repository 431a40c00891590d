package io.keepwatch.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the {@code http} section: absent, the defaults ({@code 127.0.0.1:8423}, reading without a token); {@code null},
 * no status page at all. {@code listen} is {@code host:port} ({@code [v6]:port} for an IPv6 address); an address that
 * is not loopback is refused unless {@code token_required} is {@code true}.
 */
final class HttpKeys {
    static final Set<String> KEYS = Set.of("listen", "token_required");
    private static final String EXAMPLE = "{\"listen\": \"127.0.0.1:8423\"}";

    private HttpKeys() {
    }

    static Optional<HttpConfig> read(Section top) throws ConfigException {
        if (top.has("http") && top.raw("http").isNull()) {
            return Optional.empty();
        }
        Section s = top.child("http", KEYS, EXAMPLE);
        HttpConfig d = HttpConfig.defaults();
        String host = d.host();
        int port = d.port();
        if (s.has("listen")) {
            String listen = s.text("listen", null).strip();
            int colon = listen.lastIndexOf(':');
            if (colon <= 0 || colon == listen.length() - 1) {
                throw top.error("http.listen", "must be host:port, e.g. \"127.0.0.1:8423\", not \"" + listen + "\"");
            }
            host = listen.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw top.error("http.listen", "an IPv6 address goes in brackets: \"[" + host + "]:" + listen.substring(colon + 1) + "\"");
            }
            String p = listen.substring(colon + 1);
            if (!p.matches("[0-9]{1,5}") || Integer.parseInt(p) > 65_535) {
                throw top.error("http.listen", "port '" + p + "' is not a port number (0 to 65535; 0: any free port)");
            }
            port = Integer.parseInt(p);
            if (host.isBlank()) {
                throw top.error("http.listen", "names no host; use 127.0.0.1 for this machine only");
            }
        }
        boolean tokenRequired = false;
        JsonNode t = s.raw("token_required");
        if (t != null) {
            if (!t.isBoolean()) {
                throw top.error("http.token_required", "must be true or false, not " + Section.describe(t));
            }
            tokenRequired = t.booleanValue();
        }
        HttpConfig c = new HttpConfig(host, port, tokenRequired);
        if (!tokenRequired && !c.loopback()) {
            throw top.error("http.listen", "'" + c.listen() + "' is reachable from other machines: set \"token_required\": true "
                    + "(every request then needs the token), or listen on 127.0.0.1 behind a reverse proxy");
        }
        return Optional.of(c);
    }
}
