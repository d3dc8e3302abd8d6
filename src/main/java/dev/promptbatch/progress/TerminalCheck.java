package dev.promptbatch.progress;

import java.io.Console;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Whether the process writes to a person's terminal. {@link System#console()} is null unless stdin and stdout are
 * both a terminal up to JDK 21; from JDK 22 it may return a console when they are not, and {@code Console.isTerminal()}
 * (new in 22) tells. Called reflectively, since the code is built for 17.
 */
public final class TerminalCheck {
    private TerminalCheck() {}

    /** True on a terminal: a console that is a terminal, and a {@code TERM} that can move the cursor. */
    public static boolean interactive(String term) {
        Console console = System.console();
        return decide(console != null, console == null ? null : isTerminal(console), term);
    }

    /**
     * @param console    whether {@link System#console()} returned a console
     * @param isTerminal what {@code Console.isTerminal()} said, or null on a JDK before 22, which has none
     * @param term       the environment's {@code TERM}: {@code dumb} (an editor's shell) cannot redraw a line
     */
    static boolean decide(boolean console, Boolean isTerminal, String term) {
        return console && !Boolean.FALSE.equals(isTerminal) && !"dumb".equals(term);
    }

    private static Boolean isTerminal(Console console) {
        Method method;
        try {
            method = Console.class.getMethod("isTerminal");
        } catch (NoSuchMethodException e) {
            return null;
        }
        try {
            return (Boolean) method.invoke(console);
        } catch (IllegalAccessException | InvocationTargetException e) {
            return false;
        }
    }
}
