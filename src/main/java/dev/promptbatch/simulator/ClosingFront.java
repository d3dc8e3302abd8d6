package dev.promptbatch.simulator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A front for the simulator's HTTP server that answers one request per connection and then closes it, without
 * saying so in a {@code Connection: close} header: what servers built on Python's {@code http.server} (KoboldCpp)
 * and proxies with short keep-alive timeouts do. A client that pools the connection sends its next request into a
 * closed socket and gets no response byte.
 *
 * <p>Each request is passed to the server behind on a connection of its own, marked {@code Connection: close} so
 * that the server ends it after the response; the response is passed back with its {@code Connection} header
 * removed, and the client's connection closed when it is complete.
 */
final class ClosingFront implements AutoCloseable {
    private static final byte[] END_OF_HEAD = {'\r', '\n', '\r', '\n'};
    private static final int MAX_HEAD = 64 * 1024;

    private final ServerSocket listener;
    private final int backendPort;
    private final ExecutorService connections;
    private final AtomicLong closed = new AtomicLong();

    ClosingFront(int port, int backendPort) throws IOException {
        this.listener = new ServerSocket(port, 1024, InetAddress.getLoopbackAddress());
        this.backendPort = backendPort;
        AtomicInteger count = new AtomicInteger();
        this.connections = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "simulator-front-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        connections.execute(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Connections closed after their one response. */
    long closedConnections() {
        return closed.get();
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing: nothing left to do with it
        }
        connections.shutdownNow();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                connections.execute(() -> serveOne(client));
            } catch (SocketException e) {
                return; // the listener was closed
            } catch (IOException e) {
                // a failed accept concerns one client only
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return; // closing
            }
        }
    }

    private void serveOne(Socket client) {
        try (client;
                Socket backend = new Socket(InetAddress.getLoopbackAddress(), backendPort)) {
            client.setTcpNoDelay(true);
            backend.setTcpNoDelay(true);
            InputStream fromClient = client.getInputStream();
            byte[] head = readHead(fromClient);
            if (head == null) {
                return;
            }
            String requestHead = new String(head, StandardCharsets.ISO_8859_1);
            long length = contentLength(requestHead);
            OutputStream toBackend = backend.getOutputStream();
            toBackend.write(withoutConnectionHeader(requestHead, "Connection: close\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            copy(fromClient, toBackend, length);
            toBackend.flush();

            InputStream fromBackend = backend.getInputStream();
            byte[] responseHead = readHead(fromBackend);
            if (responseHead == null) {
                return;
            }
            OutputStream toClient = client.getOutputStream();
            toClient.write(withoutConnectionHeader(new String(responseHead, StandardCharsets.ISO_8859_1), "")
                    .getBytes(StandardCharsets.ISO_8859_1));
            fromBackend.transferTo(toClient); // the server behind closes after the response
            toClient.flush();
            closed.incrementAndGet();
        } catch (IOException e) {
            // the client or the server behind went away: the connection closes all the same
        }
    }

    /** The bytes up to and including the blank line after the headers, or null at end of stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < END_OF_HEAD.length) {
            int b = in.read();
            if (b < 0 || head.size() >= MAX_HEAD) {
                return null;
            }
            head.write(b);
            matched = b == END_OF_HEAD[matched] ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.toByteArray();
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        return 0;
    }

    /** The head with its Connection header left out and {@code replacement} added as the last header. */
    private static String withoutConnectionHeader(String head, String replacement) {
        StringBuilder out = new StringBuilder();
        for (String line : head.split("\r\n")) {
            if (!line.toLowerCase(Locale.ROOT).startsWith("connection:")) {
                out.append(line).append("\r\n");
            }
        }
        return out.append(replacement).append("\r\n").toString();
    }

    private static void copy(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[8192];
        long left = length;
        while (left > 0) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (read < 0) {
                throw new IOException("the request body ended early");
            }
            out.write(buffer, 0, read);
            left -= read;
        }
    }
}
