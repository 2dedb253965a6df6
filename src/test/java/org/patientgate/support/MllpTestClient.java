package org.patientgate.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.Charset;
import java.util.Optional;

/**
 * A raw MLLP client over a real socket, for frames HAPI's own client would not send (malformed
 * messages, exact charsets and separators, garbage). Frames are {@code 0x0B payload 0x1C 0x0D}.
 */
public final class MllpTestClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public MllpTestClient(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setSoTimeout(15_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Sends one framed message; returns the ACK payload, or empty if the hub closed the connection. */
    public Optional<byte[]> send(byte[] payload) throws IOException {
        out.write(0x0B);
        out.write(payload);
        out.write(0x1C);
        out.write(0x0D);
        out.flush();
        return readFrame();
    }

    public Optional<String> sendText(String message, Charset charset) throws IOException {
        return send(message.getBytes(charset)).map(b -> new String(b, charset));
    }

    /** Writes bytes as they are, without framing. */
    public void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public Optional<byte[]> readFrame() throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        int b;
        try {
            do {
                b = in.read();
                if (b < 0) {
                    return Optional.empty();
                }
            } while (b != 0x0B);
            while (true) {
                b = in.read();
                if (b < 0) {
                    return Optional.empty();
                }
                if (b == 0x1C) {
                    in.read();
                    return Optional.of(frame.toByteArray());
                }
                frame.write(b);
            }
        } catch (java.net.SocketException e) {
            return Optional.empty();
        }
    }

    /** True when the hub has closed (or reset) this connection. */
    public boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
