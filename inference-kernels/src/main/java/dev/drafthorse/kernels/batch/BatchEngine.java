package dev.drafthorse.kernels.batch;

import dev.drafthorse.kernels.heads.Heads;
import dev.drafthorse.kernels.heads.MedusaHeads;
import dev.drafthorse.kernels.heads.MtpModules;
import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.Step;
import dev.drafthorse.kernels.options.FinishReason;
import dev.drafthorse.kernels.sampling.Sampler;
import dev.drafthorse.kernels.sampling.TokenConstraint;
import dev.drafthorse.kernels.speculative.CandidateSource;
import dev.drafthorse.kernels.speculative.CandidateTree;
import dev.drafthorse.kernels.speculative.ChainAcceptance;
import dev.drafthorse.kernels.speculative.ChainVerifier;
import dev.drafthorse.kernels.speculative.DraftLength;
import dev.drafthorse.kernels.speculative.NgramLookup;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.kernels.speculative.TreeAcceptance;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * Decodes many prompts together, with optional lossless speculative decoding, through one target
 * forward pass per step.
 *
 * <p><b>Continuous batching.</b> Up to {@code batchSize} sequences are active; when one finishes, the
 * next prompt takes its slot. Every pass carries, for each active sequence, either its next prompt chunk
 * (prefill, at most {@code prefillChunk} tokens, so a long prompt does not stall the others) or its
 * pending token followed by its drafted tokens (decode and verification). A sequence is admitted only
 * while the KV positions reserved by all active sequences stay under {@code maxKvPositions}.
 *
 * <p><b>Speculation</b> (Leviathan et al. 2023; Chen et al. 2023). Each decoding sequence drafts k
 * tokens — with a small draft model sharing the vocabulary, or by n-gram lookup in its own prompt and
 * output — and the target verifies pending + k tokens in the same pass as everyone else. Greedy: drafts
 * are accepted while they equal the target's argmax, then the target's own token follows, so the output
 * is exactly plain greedy's. Sampling: draft token d is accepted with probability min(1, p(d)/q(d)); on
 * rejection the token is drawn from norm(max(0, p − q)); when all are accepted a bonus token is drawn from
 * the target's next distribution. The output distribution is exactly the target's. (For lookup q is a
 * point mass on d.) The rules are {@link ChainAcceptance}'s, applied through the injected
 * {@link ChainVerifier}. Rejected positions are rolled back in both KV caches. The draft length of each
 * sequence adapts ({@link DraftLength}).
 *
 * <p><b>Heads on the target</b> ({@link Heads}). <i>Medusa</i> (Cai et al. 2024): from the target's last
 * hidden state, K heads propose their top candidates; a static {@link dev.drafthorse.kernels.speculative.TreeSpec}
 * arranges them below the pending token, and the whole tree is one step of the pass (tree mask, positions
 * by depth). Greedy keeps the longest path that matches the target's argmax (exactly plain greedy); sampling
 * keeps the longest path passing typical acceptance, which is <b>not</b> distribution-preserving
 * ({@link TreeAcceptance}). The candidates come from a {@link CandidateSource}, the heads' own unless one is
 * injected. The accepted path's KV entries are compacted into place and its last node's hidden state feeds
 * the next step, so there is one target pass per step. <i>MTP</i> (DeepSeek-V3): D modules draft a chain from the
 * last verified hidden state, verified like a draft model's chain (greedy exact; sampling exact by
 * speculative sampling), and every module's own cache is kept in step with the accepted tokens
 * ({@link MtpModules}).
 */
public final class BatchEngine {
    private final Model target;
    private final Model draft;
    private final MedusaHeads medusa;
    private final MtpModules mtp;
    private final CandidateSource candidates; // Medusa trees' candidates: the heads' own unless injected
    private final ChainVerifier chains; // the rule drafted chains are verified by
    private final EngineStats stats = new EngineStats();
    private PrefixCache prefixCache;

    /** Receives progress; every method has a default. */
    public interface Listener {
        /** Text completed for sequence {@code index} (streaming). */
        default void text(int index, String piece) {}

        /** Sequence {@code index} got a slot (and its KV reservation). */
        default void admitted(int index, long reservedPositions) {}

        /** Sequence {@code index} finished. */
        default void finished(int index, BatchResult result) {}
    }

    /** Totals over a run. */
    public static final class EngineStats {
        public long targetPasses;
        public long draftPasses;
        public long drafted;
        public long accepted;
        public long generated;
        public long promptTokens;
        public long nanos;

        public double tokensPerSecond() {
            return nanos == 0 ? 0 : generated * 1e9 / nanos;
        }
    }

    /**
     * @param target the model whose outputs count
     * @param draft a draft model sharing the target's vocabulary, or null
     */
    public BatchEngine(Model target, Model draft) {
        this(target, draft, null);
    }

    /**
     * @param target the model whose outputs count
     * @param draft a draft model sharing the target's vocabulary, or null
     * @param heads Medusa heads or MTP modules loaded for {@code target}, or null
     */
    public BatchEngine(Model target, Model draft, Heads heads) {
        this(target, draft, heads, null, ChainVerifier.EXACT);
    }

    /**
     * @param target the model whose outputs count
     * @param draft a draft model sharing the target's vocabulary, or null
     * @param heads Medusa heads or MTP modules loaded for {@code target}, or null
     * @param candidates where Medusa trees' candidates come from; null for the Medusa heads' own
     * @param chains the rule drafted chains are verified by; only {@link ChainVerifier#EXACT} keeps the
     *     output exactly the target's
     */
    public BatchEngine(Model target, Model draft, Heads heads, CandidateSource candidates, ChainVerifier chains) {
        this.target = target;
        this.draft = draft;
        if (heads != null && heads.model() != target) {
            throw new IllegalArgumentException("heads " + heads.header().path() + " were loaded for "
                    + heads.model().file().path() + ", not for the target "
                    + target.file().path());
        }
        MedusaHeads m = heads instanceof MedusaHeads h ? h : null;
        this.medusa = m;
        this.mtp = heads instanceof MtpModules h ? h : null;
        if (draft != null && !draft.tokenizer().vocabularyEquals(target.tokenizer())) {
            throw new IllegalArgumentException(
                    "draft model " + draft.file().path() + " has another vocabulary than the target "
                            + target.file().path() + " (" + draft.tokenizer().vocabSize() + " vs "
                            + target.tokenizer().vocabSize()
                            + " tokens, or different token strings): speculative decoding needs the same vocabulary");
        }
        this.candidates = candidates != null
                ? candidates
                : m != null ? (sequences, hidden, ranks) -> m.top(hidden, sequences.size(), ranks) : null;
        this.chains = Objects.requireNonNull(chains, "chains");
    }

    /** Reuses (and fills) this prefix cache for prompts whose KV type matches it; null turns it off. */
    public BatchEngine withPrefixCache(PrefixCache cache) {
        this.prefixCache = cache;
        return this;
    }

    /** The model whose outputs count. */
    Model target() {
        return target;
    }

    public EngineStats stats() {
        return stats;
    }

    /** Runs every request; results come back in input order. */
    public List<BatchResult> run(List<Request> requests, BatchOptions options, Listener listener) {
        check(options.speculation());
        if (options.speculation().mode() == Speculation.Mode.MEDUSA) {
            for (Request r : requests) {
                if (r.constraint() != null) {
                    throw new IllegalArgumentException(
                            "request " + r.id() + ": a grammar cannot be combined with Medusa "
                                    + "tree speculation (use a draft model, n-gram lookup or MTP)");
                }
            }
        }
        return new Run(requests, options, listener).loop();
    }

    /** Refuses speculation this engine has no drafter for. */
    private void check(Speculation spec) {
        if (spec.mode() == Speculation.Mode.DRAFT_MODEL && draft == null) {
            throw new IllegalArgumentException("draft-model speculation needs a draft model");
        }
        if (spec.mode() == Speculation.Mode.MEDUSA) {
            if (medusa == null) {
                throw new IllegalArgumentException("Medusa speculation needs Medusa heads (--medusa HEADS.gguf)");
            }
            if (spec.tree().depth() > medusa.count()) {
                throw new IllegalArgumentException(
                        "tree " + spec.tree() + " is " + spec.tree().depth() + " deep, but "
                                + medusa.header().path() + " has " + medusa.count() + " heads");
            }
        }
        if (spec.mode() == Speculation.Mode.MTP) {
            if (mtp == null) {
                throw new IllegalArgumentException("MTP speculation needs MTP modules (--mtp HEADS.gguf)");
            }
            if (spec.draftMax() > mtp.count()) {
                throw new IllegalArgumentException("draft-max " + spec.draftMax() + " exceeds the " + mtp.count()
                        + " MTP modules of " + mtp.header().path());
            }
        }
    }

    /**
     * One call of {@link #run}: the queue, the active sequences, and the phases of a step — admit, draft,
     * forward (one target pass for everyone) with verify/accept, retire.
     */
    private final class Run {
        private final List<Request> requests;
        private final BatchOptions options;
        private final Speculation spec;
        private final Listener listener;
        private final boolean useMedusa;
        private final boolean useMtp;
        private final BatchResult[] results;
        private final Deque<Integer> queue = new ArrayDeque<>();
        private final List<Sequence> active = new ArrayList<>();
        private long reserved; // KV positions reserved by the active sequences
        private double plainPassNanos; // moving average of a pass without drafts
        private long draftNanos; // this step's drafting time
        private final List<Sequence> drafting = new ArrayList<>(); // this step's sequences with drafts
        private int draftedTokens; // and their drafted tokens

        Run(List<Request> requests, BatchOptions options, Listener listener) {
            this.requests = requests;
            this.options = options;
            this.spec = options.speculation();
            this.listener = listener;
            this.useMedusa = spec.mode() == Speculation.Mode.MEDUSA;
            this.useMtp = spec.mode() == Speculation.Mode.MTP;
            this.results = new BatchResult[requests.size()];
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                order.add(i);
            }
            if (options.groupPrefixes()) {
                order.sort((x, y) ->
                        Arrays.compare(requests.get(x).prompt(), requests.get(y).prompt()));
            }
            queue.addAll(order);
        }

        List<BatchResult> loop() {
            long start = System.nanoTime();
            while (!queue.isEmpty() || !active.isEmpty()) {
                admit();
                draft();
                forward();
                retire();
            }
            stats.nanos += System.nanoTime() - start;
            return Arrays.asList(results);
        }

        /** Admits queued prompts while slots and KV memory allow (always at least one sequence). */
        private void admit() {
            while (!queue.isEmpty() && active.size() < options.batchSize()) {
                Request r = requests.get(queue.peek());
                int limit = contextLimit(r);
                int extra = useMedusa ? spec.tree().size() + 1 : spec.enabled() ? spec.draftMax() + 1 : 0;
                long need = (long) limit + extra;
                if (!active.isEmpty() && reserved + need > options.maxKvPositions()) {
                    break;
                }
                // MTP modules need the target's hidden state at every prompt position: no reused prefixes.
                PrefixCache pc =
                        prefixCache != null && prefixCache.type() == r.options().kvType() && !useMtp
                                ? prefixCache
                                : null;
                if (pc != null
                        && !active.isEmpty()
                        && sharedWithPrefilling(active, r.prompt()) > pc.cachedLength(r.prompt())) {
                    break; // a sequence in prefill is computing this prompt's prefix: wait for it and reuse it
                }
                admit(queue.poll(), r, limit, need, pc);
            }
        }

        /** The positions request {@code r} may hold, prompt included. */
        private int contextLimit(Request r) {
            // In long: prompt + -n of Integer.MAX_VALUE would wrap to a negative window.
            int limit = r.options().contextSize() > 0
                    ? r.options().contextSize()
                    : (int) Math.min(
                            Integer.MAX_VALUE,
                            (long) r.prompt().length + r.options().maxNewTokens());
            if (r.prompt().length > limit) {
                throw new IllegalArgumentException("request " + r.id() + ": prompt of " + r.prompt().length
                        + " tokens does not fit the context window of " + limit);
            }
            return limit;
        }

        /** Gives request {@code idx} a slot, its caches (reusing a cached prefix) and its drafter's state. */
        private void admit(int idx, Request r, int limit, long need, PrefixCache pc) {
            int positions = (int) Math.min(Integer.MAX_VALUE, need);
            KvCache cache = target.newCache(r.options().kvType(), positions);
            Sequence s =
                    new Sequence(idx, r, cache, limit, need, target.tokenizer(), piece -> listener.text(idx, piece));
            if (pc != null) {
                s.fed = pc.reuse(r.prompt(), cache);
                s.prefixCache = pc;
            }
            if (useMtp) {
                s.mtp = mtp.newState(r.options().kvType(), positions);
            } else if (spec.enabled() && !useMedusa) {
                boolean model = spec.mode() == Speculation.Mode.DRAFT_MODEL;
                s.draftLength = new DraftLength(spec.draftMax(), 0.7, model ? relativeCost() : 0.05);
                if (model) {
                    s.draftCache = draft.newCache(r.options().kvType(), positions);
                }
            }
            reserved += need;
            active.add(s);
            listener.admitted(idx, need);
            stats.promptTokens += r.prompt().length;
            if (r.options().maxNewTokens() == 0) {
                s.finish(FinishReason.LENGTH);
            }
        }

        /** Proposes tokens for the decoding sequences: a chain (draft model, lookup, MTP) or a Medusa tree. */
        private void draft() {
            long t0 = System.nanoTime();
            for (Sequence s : active) {
                s.drafted = 0;
                if (!s.done() && s.decoding && s.draftLength != null) {
                    askForDrafts(s);
                }
            }
            if (spec.mode() == Speculation.Mode.DRAFT_MODEL) {
                draftModelPasses(active);
            } else if (useMedusa) {
                medusaTrees(active, spec);
            } else if (useMtp) {
                mtpDrafts(active, spec);
            }
            drafting.clear();
            draftedTokens = 0;
            for (Sequence s : active) {
                if (s.drafted > 0) {
                    drafting.add(s);
                    draftedTokens += s.drafted;
                }
            }
            draftNanos = System.nanoTime() - t0;
        }

        /** Lookup proposes at once; a draft model's k tokens are marked to draft (drafted = −k). */
        private void askForDrafts(Sequence s) {
            int k = Math.min(spec.adaptive() ? s.draftLength.next() : spec.draftMax(), s.remaining() - 1);
            if (k <= 0) {
                return;
            }
            if (spec.mode() == Speculation.Mode.LOOKUP) {
                s.drafts = NgramLookup.propose(s.ctx, s.total, spec.lookupNgram(), k);
                s.drafted = s.drafts.length;
            } else {
                s.drafts = new int[k];
                s.draftDist = s.sampler.options().greedy() ? null : new float[k][];
                s.drafted = -k; // negative: still to draft, see draftModelPasses
            }
        }

        /** One target pass over every active sequence; then each takes its prefill output or verifies. */
        private void forward() {
            List<Step> steps = new ArrayList<>();
            List<Sequence> inPass = new ArrayList<>();
            for (Sequence s : active) {
                if (!s.done()) {
                    steps.add(step(s));
                    inPass.add(s);
                }
            }
            if (steps.isEmpty()) {
                return;
            }
            long t0 = System.nanoTime();
            float[][] hidden = useMedusa || useMtp ? new float[steps.size()][] : null;
            float[][] logits = target.forward(steps, hidden);
            long passNanos = System.nanoTime() - t0;
            stats.targetPasses++;
            boolean anyDecode = false;
            for (int i = 0; i < inPass.size(); i++) {
                Sequence s = inPass.get(i);
                float[] h = hidden != null ? hidden[i] : null;
                if (!s.decoding) {
                    prefilled(s, steps.get(i), logits[i], h);
                } else {
                    anyDecode = true;
                    accept(s, logits[i], h);
                }
            }
            if (anyDecode) {
                observeCost(inPass, passNanos);
            }
        }

        /** A sequence's part of the pass: its next prompt chunk, or its pending token and drafts. */
        private Step step(Sequence s) {
            if (!s.decoding) {
                int n = Math.min(options.prefillChunk(), s.promptLength() - s.fed);
                int[] chunk = Arrays.copyOfRange(s.request.prompt(), s.fed, s.fed + n);
                boolean last = s.fed + n == s.promptLength();
                // MTP reads the target's hidden state of every prompt position.
                return Step.causal(
                        s.cache, chunk, useMtp ? Step.Logits.ALL : last ? Step.Logits.LAST : Step.Logits.NONE);
            }
            s.targetPasses++;
            if (s.tree != null) {
                s.treeBase = s.cache.length();
                return new Step(
                        s.cache,
                        s.tree.tokens(),
                        s.tree.positions(s.treeBase),
                        s.tree.mask(s.treeBase),
                        Step.Logits.ALL);
            }
            int[] toks = new int[1 + s.drafted];
            toks[0] = s.pending;
            System.arraycopy(s.drafts, 0, toks, 1, s.drafted);
            return Step.causal(s.cache, toks, s.drafted > 0 || useMtp ? Step.Logits.ALL : Step.Logits.LAST);
        }

        /** After a prefill chunk; once the prompt is in, the first token is sampled and decoding starts. */
        private void prefilled(Sequence s, Step step, float[] logits, float[] hidden) {
            int n = step.tokens().length;
            s.fed += n;
            if (useMtp) {
                s.mtp.commit(hidden, 0, n);
            }
            if (s.fed < s.promptLength()) {
                return;
            }
            s.prefillDone = System.nanoTime();
            if (s.prefixCache != null) {
                s.prefixCache.insert(s.request.prompt(), s.cache);
            }
            int vocab = target.config().vocab();
            int lastRow = step.logits() == Step.Logits.ALL ? n - 1 : 0;
            if (useMedusa) {
                s.lastHidden = hidden;
            }
            int next = s.sampler.sample(logits, lastRow * vocab, vocab, s.request.rng(), s.constraint);
            if (!s.emit(next)) {
                s.pending = next;
                s.decoding = true;
            }
        }

        /** Verifies a decoding sequence's tree or chain and emits what was accepted. */
        private void accept(Sequence s, float[] logits, float[] hidden) {
            if (useMedusa) {
                acceptTree(s, logits, hidden, spec);
                return;
            }
            int accepted = acceptChain(s, logits);
            if (useMtp && !s.done()) {
                s.mtp.commit(hidden, 0, accepted + 1);
            }
        }

        /** The cost of a drafted token relative to a plain pass, for the adaptive draft length. */
        private void observeCost(List<Sequence> inPass, long passNanos) {
            if (drafting.isEmpty()) {
                plainPassNanos = plainPassNanos == 0 ? passNanos : 0.8 * plainPassNanos + 0.2 * passNanos;
            } else if (draftedTokens > 0) {
                double base = plainPassNanos > 0 ? plainPassNanos : passNanos;
                double perToken =
                        (draftNanos + Math.max(0, passNanos - base)) / ((double) draftedTokens / drafting.size());
                // Accepting a chain resets s.drafted, so in practice only sequences that finished inside their
                // drafts learn the measured cost here; the others keep the prior (weights read). Feeding every
                // drafting sequence the measured, timing-dependent cost would make sampled speculative outputs
                // differ from run to run (PrefixCacheTest shows it), so the draft length stays deterministic.
                for (Sequence s : inPass) {
                    if (s.draftLength != null && s.drafted > 0) {
                        s.draftLength.observeCost(perToken / base);
                    }
                }
            }
        }

        /** Hands finished sequences' results out and frees their slots and KV reservations. */
        private void retire() {
            for (int i = active.size() - 1; i >= 0; i--) {
                Sequence s = active.get(i);
                if (s.done()) {
                    BatchResult r = s.result();
                    results[s.index] = r;
                    reserved -= s.reservedPositions;
                    stats.generated += r.tokens().length;
                    stats.drafted += s.proposed;
                    stats.accepted += s.accepted;
                    active.remove(i);
                    listener.finished(s.index, r);
                }
            }
        }
    }

    /** The longest prefix (in whole cache blocks) the prompt shares with a sequence still in prefill. */
    private static int sharedWithPrefilling(List<Sequence> active, int[] prompt) {
        int best = 0;
        for (Sequence s : active) {
            if (s.decoding || s.done()) {
                continue;
            }
            int[] p = s.request.prompt();
            int n = Math.min(Math.min(p.length, prompt.length - 1), s.promptLength());
            int i = 0;
            while (i < n && p[i] == prompt[i]) {
                i++;
            }
            best = Math.max(best, i / PrefixCache.BLOCK * PrefixCache.BLOCK);
        }
        return best;
    }

    /** The prior cost of one drafted token: the draft's weight bytes over the target's. */
    private double relativeCost() {
        return draft == null ? 0.05 : (double) draft.weightBytes() / target.weightBytes();
    }

    /**
     * Runs the draft model autoregressively for every sequence that asked for k tokens (drafted < 0),
     * batching the sequences into each draft pass. The first pass of a sequence feeds the context the
     * draft has not seen yet (its whole prompt the first time).
     */
    private void draftModelPasses(List<Sequence> active) {
        int vocab = target.config().vocab();
        while (true) {
            List<Step> steps = new ArrayList<>();
            List<Sequence> in = new ArrayList<>();
            for (Sequence s : active) {
                if (s.drafted < 0) {
                    int k = s.drafts.length;
                    int done = k + s.drafted; // drafted counts up from -k to 0
                    int[] toks = done == 0
                            ? Arrays.copyOfRange(s.ctx, s.draftSeen, s.total)
                            : new int[] {s.drafts[done - 1]};
                    steps.add(Step.causal(s.draftCache, toks, Step.Logits.LAST));
                    in.add(s);
                }
            }
            if (steps.isEmpty()) {
                break;
            }
            float[][] logits = draft.forward(steps);
            stats.draftPasses++;
            for (int i = 0; i < in.size(); i++) {
                Sequence s = in.get(i);
                int k = s.drafts.length;
                int done = k + s.drafted;
                if (done == 0) {
                    s.draftSeen = s.total;
                }
                int d;
                if (s.draftDist != null) {
                    float[] q = s.sampler.distribution(logits[i], 0, vocab);
                    s.draftDist[done] = q;
                    d = Sampler.draw(q, s.request.rng().nextFloat());
                } else {
                    d = Sampler.argmax(logits[i], 0, vocab);
                }
                s.drafts[done] = d;
                s.drafted++;
                if (s.drafted == 0) {
                    s.drafted = k;
                }
            }
        }
    }

    /**
     * Masks rows 0..n of a verification pass for the sequence's grammar: row j for the state after drafts
     * 0..j-1. Past the first draft the grammar refuses, rows are left as they are (verification stops there).
     */
    private static void maskDraftRows(Sequence s, float[] logits, int n, int v) {
        TokenConstraint c = s.constraint.copy();
        for (int j = 0; j <= n; j++) {
            c.mask(logits, j * v, v);
            if (j == n || !c.allows(s.drafts[j])) {
                break;
            }
            c.accept(s.drafts[j]);
        }
    }

    /**
     * Verifies one sequence's drafted chain against the target's logits (rows 0..drafted) by {@link #chains},
     * emits the accepted tokens and the target's own next token, and rolls both caches back to what was
     * accepted.
     *
     * @return the drafted tokens accepted
     */
    private int acceptChain(Sequence s, float[] logits) {
        int n = s.drafted;
        int v = target.config().vocab();
        ChainAcceptance.Outcome o;
        if (s.constraint != null && n == 0) {
            // A grammar and no drafts: the sampler checks its pick first and masks only when the grammar refuses it.
            o = new ChainAcceptance.Outcome(0, s.sampler.sample(logits, 0, v, s.request.rng(), s.constraint));
        } else {
            if (s.constraint != null) {
                maskDraftRows(s, logits, n, v); // a draft the grammar refuses gets probability zero: rejected
            }
            o = chains.verify(logits, v, s.drafts, n, s.draftDist, s.sampler, s.request.rng());
        }
        int accepted = o.accepted();
        s.proposed += n;
        s.accepted += accepted;
        if (s.draftLength != null && n > 0) {
            s.draftLength.observe(n, accepted);
        }
        int before = s.total; // ctx[0, before) committed; the cache holds ctx[0, before - 1) + pending + drafts
        // The target cache keeps pending and the accepted drafts.
        s.cache.truncate(before + accepted);
        if (s.draftCache != null && s.draftCache.length() > s.draftSeen) {
            // The draft fed drafts[0, n - 1) after ctx[0, draftSeen): keep those that were accepted.
            int keep = s.draftSeen + Math.min(accepted, Math.max(0, n - 1));
            s.draftCache.truncate(keep);
            s.draftSeen = keep;
        }
        for (int i = 0; i < accepted; i++) {
            if (s.emit(s.drafts[i])) {
                return accepted;
            }
        }
        if (!s.emit(o.next())) {
            s.pending = o.next();
        }
        s.drafted = 0;
        return accepted;
    }

    /**
     * Proposes each decoding sequence's Medusa tree from its last hidden state: the heads run over the
     * hidden states of all sequences together, then each tree keeps the depths the sequence may still use.
     */
    private void medusaTrees(List<Sequence> active, Speculation spec) {
        List<Sequence> in = new ArrayList<>();
        for (Sequence s : active) {
            s.tree = null;
            if (!s.done() && s.decoding && s.remaining() > 1) {
                in.add(s);
            }
        }
        if (in.isEmpty()) {
            return;
        }
        int d = target.config().dim();
        int[] ranks = spec.tree().ranks();
        float[] h = new float[in.size() * d]; // (S, D)
        List<CandidateSource.Context> contexts = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            Sequence s = in.get(i);
            System.arraycopy(s.lastHidden, 0, h, i * d, d);
            contexts.add(new CandidateSource.Context(s.index, s.ctx, s.total));
        }
        int[][][] top = candidates.top(contexts, h, ranks);
        for (int i = 0; i < in.size(); i++) {
            Sequence s = in.get(i);
            s.tree = CandidateTree.build(
                    s.pending, spec.tree(), top[i], Math.min(spec.tree().depth(), s.remaining() - 1));
            s.drafted = s.tree.size() - 1;
        }
    }

    /**
     * Verifies a Medusa tree: keeps the accepted path's KV entries (compaction), emits its tokens and the
     * target's own next token, and keeps the last accepted node's hidden state for the next step's heads.
     */
    private void acceptTree(Sequence s, float[] logits, float[] hidden, Speculation spec) {
        int v = target.config().vocab();
        int d = target.config().dim();
        CandidateTree tree = s.tree;
        int[] path;
        int base;
        if (tree == null) { // no room for candidates: a plain step of the pending token
            tree = CandidateTree.of(new int[] {s.pending}, new int[] {-1});
            path = new int[] {0};
            base = s.cache.length() - 1;
        } else {
            path = s.sampler.options().greedy()
                    ? TreeAcceptance.greedy(tree, logits, v)
                    : TreeAcceptance.typical(tree, logits, v, s.sampler, spec.typical());
            base = s.treeBase;
        }
        int last = path[path.length - 1];
        int bonus = s.sampler.sample(logits, last * v, v, s.request.rng());
        s.proposed += tree.size() - 1;
        s.accepted += path.length - 1;
        s.cache.compact(base, path);
        s.lastHidden = Arrays.copyOfRange(hidden, last * d, (last + 1) * d);
        s.tree = null;
        s.drafted = 0;
        for (int i = 1; i < path.length; i++) {
            if (s.emit(tree.token(path[i]))) {
                return;
            }
        }
        if (!s.emit(bonus)) {
            s.pending = bonus;
        }
    }

    /**
     * Drafts each decoding sequence's chain with the MTP modules: module d runs for every sequence that
     * wants more than d tokens, all sequences in one module pass, in depth order.
     */
    private void mtpDrafts(List<Sequence> active, Speculation spec) {
        List<Sequence> in = new ArrayList<>();
        int maxK = 0;
        for (Sequence s : active) {
            if (!s.done() && s.decoding) {
                int k = Math.min(spec.draftMax(), s.remaining() - 1);
                if (k > 0) {
                    s.drafts = new int[k];
                    s.draftDist = s.sampler.options().greedy() ? null : new float[k][];
                    in.add(s);
                    maxK = Math.max(maxK, k);
                }
            }
        }
        int vocab = target.config().vocab();
        for (int d = 0; d < maxK; d++) {
            List<Sequence> now = new ArrayList<>();
            for (Sequence s : in) {
                if (s.drafts.length > d) {
                    now.add(s);
                }
            }
            List<MtpModules.State> states = new ArrayList<>();
            List<int[]> ctx = new ArrayList<>();
            List<int[]> drafts = new ArrayList<>();
            int[] totals = new int[now.size()];
            for (int i = 0; i < now.size(); i++) {
                Sequence s = now.get(i);
                states.add(s.mtp);
                ctx.add(s.ctx);
                drafts.add(s.drafts);
                totals[i] = s.total;
            }
            float[][] logits = mtp.step(d, states, ctx, totals, drafts);
            stats.draftPasses++;
            for (int i = 0; i < now.size(); i++) {
                Sequence s = now.get(i);
                if (s.draftDist != null) {
                    float[] q = s.sampler.distribution(logits[i], 0, vocab);
                    s.draftDist[d] = q;
                    s.drafts[d] = Sampler.draw(q, s.request.rng().nextFloat());
                } else {
                    s.drafts[d] = Sampler.argmax(logits[i], 0, vocab);
                }
            }
        }
        for (Sequence s : in) {
            s.drafted = s.drafts.length;
        }
    }
}
