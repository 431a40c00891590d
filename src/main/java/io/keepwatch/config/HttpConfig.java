package io.keepwatch.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The {@code http} section: where {@code keepwatch run} serves its status page and {@code /metrics}.
 *
 * @param host the address to listen on, as written ({@code 127.0.0.1}, {@code ::1}, {@code localhost}, {@code 0.0.0.0})
 * @param port 1 to 65535, or 0 for a free port the service picks and logs
 * @param tokenRequired every request, reading ones included, needs the token; required for an address that is not
 *        loopback
 */
public record HttpConfig(String host, int port, boolean tokenRequired) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8423;

    public static HttpConfig defaults() {
        return new HttpConfig(DEFAULT_HOST, DEFAULT_PORT, false);
    }

    /** Whether {@link #host} names only this machine (every address it resolves to is a loopback one). */
    public boolean loopback() {
        try {
            InetAddress[] all = InetAddress.getAllByName(host);
            for (InetAddress a : all) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return all.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** {@code host:port}, with brackets around an IPv6 address. */
    public String listen() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
