package org.patientgate.wallet;

/**
 * A wallet operation failed: the key file does not open, the hub refused a request, or what the hub
 * sent does not open with this wallet's key. The message is safe to print and log: it names the
 * file, the request and the hub's diagnostics, never a private key, passphrase, sub-key or report
 * content.
 */
public class WalletException extends RuntimeException {

    private final int status;
    private final String diagnostics;

    /** A failure that is not an HTTP answer (status 0, no diagnostics). */
    public WalletException(String message) {
        this(message, 0, null);
    }

    /** A failure with a (safe) cause, e.g. an I/O error. */
    public WalletException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.diagnostics = null;
    }

    /** The hub answered {@code status} with the problem or OperationOutcome text {@code diagnostics}. */
    public WalletException(String message, int status, String diagnostics) {
        super(message);
        this.status = status;
        this.diagnostics = diagnostics;
    }

    /** The HTTP status the hub answered with; 0 when the failure is not an HTTP answer. */
    public int status() {
        return status;
    }

    /** The hub's explanation (RFC 9457 detail or OperationOutcome diagnostics), or null. */
    public String diagnostics() {
        return diagnostics;
    }
}
