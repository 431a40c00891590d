package io.keepwatch.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class NameTextTest {
    @Test
    void plainTextIsReturnedAsItIs() {
        String s = "source/caf\u00e9/\uD834\uDD1E notes.txt";
        assertSame(s, NameText.escape(s));
    }

    @Test
    void controlCharactersAndBadBytesAreEscaped() {
        assertEquals("a\\nb\\tc\\rd\\x00\\x1b\\x7f", NameText.escape("a\nb\tc\rd\0\u001b\u007f", true));
        assertEquals("\\xff\\xfe", NameText.escape("\uDCFF\uDCFE", true));
        assertEquals("\\ud800x\\udc41", NameText.escape("\uD800x\uDC41", true));
        assertEquals("\\u0085\\u2028\\u2029", NameText.escape("\u0085\u2028\u2029", true));
    }

    @Test
    void backslashIsEscapedWhereItIsPartOfNames() {
        assertEquals("a\\\\nb", NameText.escape("a\\nb", true)); // a backslash and an n: not a newline
        assertEquals("C:\\new\\x", NameText.escape("C:\\new\\x", false)); // Windows: the separator
    }

    @Test
    void jsonKeepsLoneSurrogatesAsEscapes() throws Exception {
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(java.util.Map.of("path", "a\uDCFF\uD834\uDD1E\n"));
        String safe = NameText.json(json);
        assertEquals("{\"path\":\"a\\udcff\uD834\uDD1E\\n\"}", safe);
        assertEquals("a\uDCFF\uD834\uDD1E\n", new com.fasterxml.jackson.databind.ObjectMapper().readTree(safe).get("path").asText());
    }
}
