package org.patientgate.ledger.web3j;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.ClientConnectionException;
import org.web3j.protocol.http.HttpService;

/**
 * The hub's JSON-RPC connection to the chain: one web3j client with bounded timeouts, and the few
 * node queries the publisher and follower need, each turning an unreachable node into {@link
 * ChainAway} so callers can tell "the chain refused this" from "the chain is not there".
 */
public final class Web3jChain implements AutoCloseable {

    private final String rpcUrl;
    private final String where;
    private final Web3j web3j;
    private final OkHttpClient http;
    private final HttpService service;

    public Web3jChain(String rpcUrl, Duration timeout) {
        this.rpcUrl = rpcUrl;
        this.http = new OkHttpClient.Builder()
                .connectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .writeTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .retryOnConnectionFailure(false)
                .build();
        this.service = new HttpService(rpcUrl, http);
        this.web3j = Web3j.build(service);
        this.where = safeLocation(rpcUrl);
    }

    /** host:port of the node, for messages: a URL may carry credentials or an API key. */
    static String safeLocation(String url) {
        try {
            java.net.URI uri = java.net.URI.create(url);
            return uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
        } catch (IllegalArgumentException e) {
            return "the configured node";
        }
    }

    /** Sends a node-specific JSON-RPC request (e.g. {@code anvil_setBalance}) over the same client. */
    void call(String method, List<?> params) {
        rpc(method, () -> new org.web3j.protocol.core.Request<>(
                        method, params, service, org.web3j.protocol.core.methods.response.VoidResponse.class)
                .send());
    }

    public String rpcUrl() {
        return rpcUrl;
    }

    Web3j web3j() {
        return web3j;
    }

    public long chainId() {
        return rpc("eth_chainId", () -> web3j.ethChainId().send()).getChainId().longValueExact();
    }

    public long headBlock() {
        return rpc("eth_blockNumber", () -> web3j.ethBlockNumber().send())
                .getBlockNumber()
                .longValueExact();
    }

    public boolean hasCode(String address) {
        String code = rpc("eth_getCode", () -> web3j.ethGetCode(address, DefaultBlockParameterName.LATEST)
                        .send())
                .getCode();
        return code != null && code.length() > 2;
    }

    /** The hash of the chain's block at this height, if it has one. */
    Optional<String> blockHash(long number) {
        var block = rpc("eth_getBlockByNumber", () -> web3j.ethGetBlockByNumber(
                                new org.web3j.protocol.core.DefaultBlockParameterNumber(number), false)
                        .send())
                .getBlock();
        return Optional.ofNullable(block).map(b -> b.getHash());
    }

    BigInteger gasPrice() {
        return rpc("eth_gasPrice", () -> web3j.ethGasPrice().send()).getGasPrice();
    }

    Optional<TransactionReceipt> receipt(String txHash) {
        return rpc("eth_getTransactionReceipt", () -> web3j.ethGetTransactionReceipt(txHash)
                        .send())
                .getTransactionReceipt();
    }

    boolean known(String txHash) {
        return rpc("eth_getTransactionByHash", () -> web3j.ethGetTransactionByHash(txHash)
                        .send())
                .getTransaction()
                .isPresent();
    }

    /** The gas the call needs, or the contract's revert data if it would fail. */
    Estimate estimate(String from, ChainCall call) {
        EthEstimateGas est = rpc("eth_estimateGas", () -> web3j.ethEstimateGas(
                        Transaction.createEthCallTransaction(from, call.to(), call.data()))
                .send());
        if (est.hasError()) {
            return new Estimate(null, revertData(est.getError()), est.getError().getMessage());
        }
        return new Estimate(est.getAmountUsed(), null, null);
    }

    /** Runs a call against the latest block; the revert data if it fails. */
    Optional<String> revertOf(String from, ChainCall call) {
        EthCall result = rpc("eth_call", () -> web3j.ethCall(
                        Transaction.createEthCallTransaction(from, call.to(), call.data()),
                        DefaultBlockParameterName.LATEST)
                .send());
        if (result.hasError()) {
            return Optional.of(
                    Optional.ofNullable(revertData(result.getError())).orElse("0x"));
        }
        return Optional.empty();
    }

    /**
     * @param gas the estimate when the call would succeed
     * @param revertData the custom error's ABI encoding when it would revert
     * @param message the node's message for a failure that carried no revert data
     */
    record Estimate(BigInteger gas, String revertData, String message) {
        boolean reverted() {
            return gas == null;
        }
    }

    static String revertData(Response.Error error) {
        if (error == null) {
            return null;
        }
        String data = error.getData();
        if (data == null) {
            return null;
        }
        data = data.trim();
        if (data.startsWith("\"") && data.endsWith("\"")) {
            data = data.substring(1, data.length() - 1);
        }
        return data.startsWith("0x") ? data : null;
    }

    interface RpcCall<T> {
        T send() throws Exception;
    }

    <T> T rpc(String method, RpcCall<T> call) {
        try {
            return call.send();
        } catch (IOException | ClientConnectionException e) {
            throw new ChainAway("the chain node at " + where + " did not answer " + method, e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(method + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        web3j.shutdown();
        // web3j's HttpService does not release the OkHttp client it was given
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
