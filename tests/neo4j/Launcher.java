import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Embedded Neo4j Community DBMS with a Bolt connector, for tests only.
 *
 * <p>Usage: {@code java Launcher <port> <home-dir> [--delete-on-orphan]}.
 * Prints {@code READY bolt://127.0.0.1:<port>} on stdout once Bolt accepts
 * connections; everything else goes to stderr. Exits on SIGTERM, when stdin
 * reaches EOF, or when the parent process goes away.
 */
public final class Launcher {
    private static final String HOST = "127.0.0.1";
    private static final long ORPHAN_POLL_MILLIS = 500;
    // A wedged shutdown must not leave an orphaned JVM behind forever.
    private static final long ORPHAN_HALT_AFTER_MILLIS = 60_000;

    private static volatile boolean deleteHomeOnExit = false;

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3 || (args.length == 3 && !args[2].equals("--delete-on-orphan"))) {
            System.err.println("usage: Launcher <port> <home-dir> [--delete-on-orphan]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path home = Path.of(args[1]).toAbsolutePath();
        boolean deleteOnOrphan = args.length == 3;

        // Only the READY line may reach the real stdout: the parent stops
        // reading after it, so any further output there could fill the pipe
        // and block the JVM.
        PrintStream readyOut = System.out;
        System.setOut(System.err);

        Files.createDirectories(home);
        SocketAddress bolt = new SocketAddress(HOST, port);
        DatabaseManagementService dbms;
        try {
            dbms = new DatabaseManagementServiceBuilder(home)
                    .setUserLogProvider(new Log4jLogProvider(System.err, Level.INFO))
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, bolt)
                    // neo4j:// clients take the server address from the routing table.
                    .setConfig(BoltConnector.advertised_address, bolt)
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    .setConfig(HttpConnector.enabled, false)
                    .setConfig(HttpsConnector.enabled, false)
                    .setConfig(GraphDatabaseSettings.auth_enabled, false)
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    // -Dcatalog.pagecache.mb: 128 MB suits the test suite; a benchmark at scale sets its own.
                    .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(Long.getLong("catalog.pagecache.mb", 128L)))
                    // Throwaway databases: don't reserve disk for transaction logs.
                    .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    .setConfig(GraphDatabaseSettings.preallocate_store_files, false)
                    // The default 5 s Netty quiet period (paid twice) makes every stop take ~10 s.
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                    .build();
        } catch (Throwable t) {
            t.printStackTrace();
            System.err.flush();
            System.exit(1);
            return;
        }

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                dbms.shutdown();
            } catch (Throwable t) {
                t.printStackTrace();
            }
            if (deleteHomeOnExit) {
                deleteTree(home);
            }
        }, "neo4j-shutdown"));

        readyOut.println("READY bolt://" + HOST + ":" + port);
        readyOut.flush();

        startDaemon("parent-watch", () -> {
            waitForParentExit();
            orphaned("parent process exited", deleteOnOrphan);
        });
        waitForEof(System.in);
        orphaned("stdin closed", deleteOnOrphan);
    }

    private static void orphaned(String reason, boolean deleteOnOrphan) {
        System.err.println("Launcher: " + reason + ", shutting down");
        deleteHomeOnExit = deleteOnOrphan;
        startDaemon("halt-watchdog", () -> {
            sleep(ORPHAN_HALT_AFTER_MILLIS);
            System.err.println("Launcher: shutdown took too long, halting");
            Runtime.getRuntime().halt(3);
        });
        System.exit(0);
    }

    private static void waitForEof(InputStream in) {
        byte[] buf = new byte[256];
        try {
            while (in.read(buf) != -1) {
                // Input is ignored; only EOF matters.
            }
        } catch (IOException e) {
            // A broken stdin means the parent is gone, same as EOF.
        }
    }

    private static void waitForParentExit() {
        Optional<ProcessHandle> initial = ProcessHandle.current().parent();
        if (initial.isEmpty()) {
            return;
        }
        long parentPid = initial.get().pid();
        while (true) {
            sleep(ORPHAN_POLL_MILLIS);
            // After the parent dies we are re-parented (to init or a subreaper).
            Optional<ProcessHandle> now = ProcessHandle.current().parent();
            if (now.isEmpty() || now.get().pid() != parentPid || !now.get().isAlive()) {
                return;
            }
        }
    }

    private static void startDaemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("Launcher: could not delete " + root + ": " + e);
        }
    }
}
