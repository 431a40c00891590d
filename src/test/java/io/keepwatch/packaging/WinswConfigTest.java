package io.keepwatch.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/** winsw/keepwatch.xml is valid for the subset of WinSW's format in winsw/winsw-subset.xsd, and says what it should. */
class WinswConfigTest {
    static final Path XML = Path.of("winsw/keepwatch.xml");
    static final Path XSD = Path.of("winsw/winsw-subset.xsd");

    private static Validator validator() throws SAXException {
        SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        Schema schema = factory.newSchema(XSD.toFile());
        return schema.newValidator();
    }

    private static String xml() throws IOException {
        return Files.readString(XML, StandardCharsets.UTF_8);
    }

    private static void validate(String text) throws SAXException, IOException {
        validator().validate(new StreamSource(new StringReader(text)));
    }

    @Test
    void keepwatchXmlIsValidAgainstTheSubsetSchema() throws Exception {
        validator().validate(new StreamSource(XML.toFile()));
    }

    /** Each edit breaks the file in a way WinSW would refuse or misread; the schema must reject every one. */
    @ParameterizedTest
    @ValueSource(strings = {
        "<stoptimeout>60 sec</stoptimeout>=><stoptimout>60 sec</stoptimout>",
        "<stoptimeout>60 sec</stoptimeout>=><stoptimeout>60 seconds</stoptimeout>",
        "mode=\"roll-by-size\"=>mode=\"roll-by-sise\"",
        "action=\"restart\" delay=\"10 sec\"=>action=\"restrat\" delay=\"10 sec\"",
        "<sizeThreshold>10240</sizeThreshold>=><sizeThreshold>10 MB</sizeThreshold>",
        "<id>keepwatch</id>=><id>keep watch</id>",
        "<executable>java.exe</executable>=>",
        "</service>=></servic>",
    })
    void aBrokenFileIsRejected(String edit) throws Exception {
        String[] fromTo = edit.split("=>", -1);
        String original = xml();
        assertTrue(original.contains(fromTo[0]), "the edit applies: " + fromTo[0]);
        String broken = original.replace(fromTo[0], fromTo[1]);
        SAXParseException e = assertThrows(SAXParseException.class, () -> validate(broken));
        assertTrue(e.getLineNumber() > 0, "the error has a line number: " + e.getMessage());
    }

    private static Element root() throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = f.newDocumentBuilder().parse(XML.toFile());
        return doc.getDocumentElement();
    }

    private static String text(Element root, String name) {
        NodeList list = root.getElementsByTagName(name);
        assertEquals(1, list.getLength(), "one <" + name + ">");
        return list.item(0).getTextContent().trim();
    }

    @Test
    void runsJavaExeWithoutXrsSoTheShutdownHookSeesCtrlC() throws Exception {
        Element root = root();
        assertEquals("java.exe", text(root, "executable"));
        List<String> args = List.of(text(root, "arguments").split("\\s+"));
        assertFalse(args.contains("-Xrs"), "no -Xrs: " + args);
        assertTrue(text(root, "arguments").endsWith(
                "-jar \"%BASE%\\lib\\keepwatch.jar\" run -c \"%BASE%\\conf\\config.json\""), text(root, "arguments"));
        assertTrue(args.contains("\"-Dkeepwatch.logback=%BASE%\\conf\\logback.xml\""), args.toString());
    }

    @Test
    void stopsWithinSixtySecondsRestartsOnFailureAndRollsItsLogBySize() throws Exception {
        Element root = root();
        assertEquals("60 sec", text(root, "stoptimeout"));
        NodeList failures = root.getElementsByTagName("onfailure");
        assertEquals(3, failures.getLength());
        for (int i = 0; i < failures.getLength(); i++) {
            Element f = (Element) failures.item(i);
            assertEquals("restart", f.getAttribute("action"));
            assertFalse(f.getAttribute("delay").isEmpty(), "a delay on every restart");
        }
        Element log = (Element) root.getElementsByTagName("log").item(0);
        assertEquals("roll-by-size", log.getAttribute("mode"));
    }

    @Test
    void passesTheSameJvmFlagsAsTheLaunchers() throws Exception {
        List<String> flags = LauncherFlags.fromShellLauncher();
        String args = text(root(), "arguments");
        assertEquals(flags, LauncherFlags.leadingFlags(args), "WinSW arguments start with the launcher's flags");
    }
}
