package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Main builds only the command a command line names; what a user sees is the same as with every command built. */
class MainCommandsTest {
    private record Out(int code, String out, String err) {
    }

    private static Out run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Out(code, out.toString(), err.toString());
    }

    @Test
    void aNamedCommandIsTheOnlyOneBuilt() {
        assertEquals(List.of(OnceCommand.class), Main.commandsFor("once", "-c", "config.json"));
        assertEquals(List.of(StatusCommand.class), Main.commandsFor("status"));
    }

    @Test
    void everythingElseBuildsEveryCommand() {
        assertEquals(Main.COMMANDS, Main.commandsFor());
        assertEquals(Main.COMMANDS, Main.commandsFor("--help"));
        assertEquals(Main.COMMANDS, Main.commandsFor("help", "once"));
        assertEquals(Main.COMMANDS, Main.commandsFor("onec"));
    }

    @Test
    void topLevelHelpListsEveryCommand() {
        Out r = run("--help");
        assertEquals(0, r.code());
        for (Class<?> c : Main.COMMANDS) {
            String name = c.getAnnotation(Command.class).name();
            assertTrue(r.out().contains("  " + name), name + " missing from --help:\n" + r.out());
        }
    }

    @Test
    void helpForOneCommandAndItsOwnHelpAgree() {
        Out viaHelp = run("help", "once");
        Out viaOption = run("once", "--help");
        assertEquals(0, viaHelp.code());
        assertEquals(0, viaOption.code());
        assertEquals(viaOption.out(), viaHelp.out());
        assertTrue(viaOption.out().startsWith("Usage: keepwatch once"), viaOption.out());
    }

    @Test
    void aMisspeltCommandGetsASuggestionAndExit64() {
        Out r = run("onec");
        assertEquals(64, r.code());
        assertTrue(r.err().contains("once"), r.err());
    }

    @Test
    void aBadOptionOfANamedCommandIsStillUsage() {
        Out r = run("once", "--no-such-option");
        assertEquals(64, r.code());
        assertTrue(r.err().contains("Try 'keepwatch once --help'."), r.err());
    }

    @Test
    void everyCommandClassIsAPicocliCommandWithAName() {
        for (Class<?> c : Main.COMMANDS) {
            assertTrue(c == CommandLine.HelpCommand.class || !c.getAnnotation(Command.class).name().isEmpty(), c.getName());
        }
    }
}
