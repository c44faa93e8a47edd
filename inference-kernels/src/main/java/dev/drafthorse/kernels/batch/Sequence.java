package dev.drafthorse.kernels.batch;

import dev.drafthorse.kernels.heads.MtpModules;
import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.options.FinishReason;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Sampler;
import dev.drafthorse.kernels.sampling.TokenConstraint;
import dev.drafthorse.kernels.speculative.CandidateTree;
import dev.drafthorse.kernels.speculative.DraftLength;
import dev.drafthorse.kernels.tokenizer.TokenDecoder;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * One prompt's state inside the scheduler: its KV caches, its tokens, its text, and its place in the
 * prefill → decode → finished life cycle.
 *
 * <p>Invariants: {@code ctx[0, total)} holds prompt and generated tokens; the target cache holds
 * {@code ctx[0, total − 1)} once decoding (the last token, {@link #pending}, is fed by the next pass);
 * the draft cache holds {@code ctx[0, draftSeen)}.
 */
final class Sequence {
    final int index;
    final Request request;
    final GenerationOptions options;
    final Sampler sampler;
    final TokenConstraint constraint; // the request's grammar, or null
    final KvCache cache;
    final int contextLimit; // tokens the sequence may hold, prompt included
    final long reservedPositions;

    int[] ctx;
    int total;
    int fed; // prompt tokens fed to the target during prefill
    boolean decoding;
    int pending = -1;
    FinishReason finish;

    final StringBuilder text = new StringBuilder();
    private final TokenDecoder decoder;
    private final Tokenizer tokenizer;
    private final Consumer<String> onText;

    PrefixCache prefixCache; // where this prompt's blocks go once computed, or null

    // speculation
    KvCache draftCache;
    int draftSeen;
    DraftLength draftLength;
    int[] drafts = new int[0];
    int drafted;
    float[][] draftDist; // per drafted token, the draft's sampling distribution (sampling mode only)

    // heads on the target (Medusa, MTP)
    float[] lastHidden; // (D) Medusa: the target's final hidden state at the last cached position
    CandidateTree tree; // Medusa: this step's verification tree (node 0 = pending), or null
    int treeBase; // Medusa: the cache length the tree was written after
    MtpModules.State mtp; // MTP: the modules' caches, in step with the committed tokens

    // stats
    int proposed;
    int accepted;
    int targetPasses;
    final long admitted;
    long prefillDone;
    long finished;

    Sequence(
            int index,
            Request request,
            KvCache cache,
            int contextLimit,
            long reservedPositions,
            Tokenizer tokenizer,
            Consumer<String> onText) {
        this.index = index;
        this.request = request;
        this.options = request.options();
        this.sampler = new Sampler(options.sampler());
        this.constraint = request.constraint();
        this.cache = cache;
        this.contextLimit = contextLimit;
        this.reservedPositions = reservedPositions;
        this.tokenizer = tokenizer;
        this.onText = onText;
        this.ctx = Arrays.copyOf(request.prompt(), request.prompt().length + 16);
        this.total = request.prompt().length;
        this.decoder = tokenizer.newDecoder(request.prompt());
        this.admitted = System.nanoTime();
    }

    int promptLength() {
        return request.prompt().length;
    }

    int generated() {
        return total - promptLength();
    }

    /** Tokens the sequence may still produce. */
    int remaining() {
        return Math.max(0, Math.min(options.maxNewTokens() - generated(), contextLimit - total));
    }

    boolean done() {
        return finish != null;
    }

    /**
     * Appends a produced token; returns true when the sequence has finished (the token may be an
     * end-of-generation token, which is not kept, or complete a stop string, which is cut).
     */
    boolean emit(int token) {
        if (constraint != null) {
            constraint.accept(token);
        }
        if (tokenizer.isEndOfGeneration(token)) {
            finish(FinishReason.EOS);
            return true;
        }
        if (total == ctx.length) {
            ctx = Arrays.copyOf(ctx, ctx.length * 2);
        }
        ctx[total++] = token;
        String piece = decoder.push(token);
        int before = text.length();
        text.append(piece);
        List<String> stops = options.stop();
        if (!stops.isEmpty()) {
            int cut = findStop(before);
            if (cut >= 0) {
                String visible = text.substring(before, Math.max(before, cut));
                text.setLength(cut);
                onText.accept(visible);
                finish = FinishReason.STOP;
                finished = System.nanoTime();
                return true;
            }
        }
        onText.accept(piece);
        if (generated() >= options.maxNewTokens()) {
            finish(FinishReason.LENGTH);
            return true;
        }
        if (total >= contextLimit) {
            finish(FinishReason.CONTEXT);
            return true;
        }
        return false;
    }

    /** Ends the sequence, flushing bytes of an incomplete character. */
    void finish(FinishReason reason) {
        String rest = decoder.flush();
        text.append(rest);
        onText.accept(rest);
        finish = reason;
        finished = System.nanoTime();
    }

    private int findStop(int from) {
        int best = -1;
        String s = text.toString();
        for (String stop : options.stop()) {
            int i = s.indexOf(stop, Math.max(0, from - stop.length() + 1));
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    BatchResult result() {
        long pre = (prefillDone == 0 ? finished : prefillDone) - admitted;
        long dec = prefillDone == 0 ? 0 : finished - prefillDone;
        return new BatchResult(
                request.id(),
                text.toString(),
                Arrays.copyOfRange(ctx, promptLength(), total),
                finish,
                new SequenceStats(promptLength(), generated(), proposed, accepted, targetPasses, pre, dec));
    }
}
