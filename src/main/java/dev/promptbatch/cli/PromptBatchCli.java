package dev.promptbatch.cli;

import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code promptbatch} command and its subcommands; the entry point of {@code java -jar promptbatch.jar}. */
@Command(
        name = "promptbatch",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Runs prompts over a file of records against Ollama, resumably.")
public final class PromptBatchCli implements Callable<Integer> {
    private static final List<Class<?>> COMMANDS = List.of(
            RunCommand.class,
            BatchCommand.class,
            ValidateCommand.class,
            StatusCommand.class,
            DiffCommand.class,
            ReportCommand.class,
            CacheCommand.class,
            SimulateCommand.class,
            CommandLine.HelpCommand.class);

    private final CliEnvironment environment;

    PromptBatchCli(CliEnvironment environment) {
        this.environment = environment;
    }

    public static void main(String[] args) {
        CliEnvironment environment = CliEnvironment.system();
        int exitCode = execute(environment, args);
        // Autoflush covers println and printf only: what was printed with print must not be lost at exit.
        environment.out().flush();
        environment.err().flush();
        System.exit(exitCode);
    }

    /** Runs one command line and returns its exit code. */
    public static int execute(CliEnvironment environment, String... args) {
        CommandLine commandLine = commandLine(environment, args.length == 0 ? null : args[0]);
        commandLine.setUsageHelpWidth(110);
        commandLine.setOut(environment.out());
        commandLine.setErr(environment.err());
        commandLine.setExitCodeExceptionMapper(new ExceptionExitCodes());
        commandLine.setExecutionExceptionHandler(new FailureLine());
        return commandLine.execute(args);
    }

    /**
     * The command line with the command that {@code first} names, or with every command when it names none of them
     * ({@code help}, a mistyped command, an option of the top command). Picocli reads a command's options when the
     * command is added, a tenth of a second of CPU for all of them at every start, so a command line that names its
     * command gets only that one: the same parsing, the same help and the same errors for it.
     */
    private static CommandLine commandLine(CliEnvironment environment, String first) {
        CommandLine commandLine = new CommandLine(new PromptBatchCli(environment), new CommandFactory(environment));
        List<Class<?>> named = COMMANDS.stream()
                .filter(command -> command != CommandLine.HelpCommand.class
                        && command.getAnnotation(Command.class).name().equals(first))
                .toList();
        for (Class<?> command : named.isEmpty() ? COMMANDS : named) {
            commandLine.addSubcommand(command);
        }
        return commandLine;
    }

    /** Without a command there is nothing to do: that is a usage error. */
    @Override
    public Integer call() {
        environment.err().println("promptbatch: a command is needed");
        commandLine(environment, null).usage(environment.err());
        return ExitCode.NOTHING_RUN;
    }

    /** Hands each command the environment it runs in. */
    private record CommandFactory(CliEnvironment environment) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            try {
                return type.getDeclaredConstructor(CliEnvironment.class).newInstance(environment);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(type);
            }
        }
    }
}
