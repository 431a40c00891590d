package io.keepwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code http} section: the default page on loopback, off with null, and each mistake named in one line. */
class HttpConfigTest {
    private FileSystem fs;
    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        fs = TestFs.unix();
        dir = fs.getPath("/etc/kw");
        Files.createDirectories(dir.resolve("src"));
    }

    @AfterEach
    void tearDown() throws IOException {
        fs.close();
    }

    private Config load(String http) throws ConfigException, IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, ("{'sources': ['./src'], 'backup_root': '/backup'" + (http == null ? "" : ", 'http': " + http) + "}")
                .replace('\'', '"'));
        return new ConfigLoader().load(file);
    }

    @Test
    void absentIsThePageOnLoopbackPort8423WithoutATokenForReading() throws Exception {
        HttpConfig h = load(null).http().orElseThrow();
        assertEquals(new HttpConfig("127.0.0.1", 8423, false), h);
        assertTrue(h.loopback());
        assertEquals(Optional.of(HttpConfig.defaults()), load("{}").http());
    }

    @Test
    void nullTurnsThePageOff() throws Exception {
        assertEquals(Optional.empty(), load("null").http());
    }

    @Test
    void listenAndTokenAreRead() throws Exception {
        assertEquals(new HttpConfig("::1", 9000, false), load("{'listen': '[::1]:9000'}").http().orElseThrow());
        assertEquals(new HttpConfig("localhost", 0, false), load("{'listen': 'localhost:0'}").http().orElseThrow());
        assertEquals(new HttpConfig("0.0.0.0", 8423, true), load("{'listen': '0.0.0.0:8423', 'token_required': true}").http().orElseThrow());
        assertFalse(new HttpConfig("0.0.0.0", 8423, true).loopback());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{'listen': '0.0.0.0:8423'}|'http.listen' '0.0.0.0:8423' is reachable from other machines: set \"token_required\": true",
            "{'listen': '8423'}|'http.listen' must be host:port",
            "{'listen': '127.0.0.1:65536'}|'http.listen' port '65536' is not a port number (0 to 65535",
            "{'listen': '127.0.0.1:http'}|'http.listen' port 'http' is not a port number",
            "{'listen': '::1:80'}|'http.listen' an IPv6 address goes in brackets: \"[::1]:80\"",
            "{'listen': 8423}|'http.listen' must be a string, not the number 8423",
            "{'token_required': 'yes'}|'http.token_required' must be true or false, not the string \"yes\"",
            "{'port': 1}|unknown key 'http.port'",
            "true|'http' must be an object, e.g. {\"listen\": \"127.0.0.1:8423\"}, not true",
    })
    void mistakesAreOneLineNamingTheKey(String http, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(http));
        assertTrue(e.getMessage().startsWith("/etc/kw/config.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
