package dev.drafthorse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.Options;

/** {@code score}: the total log-probability of each candidate continuation after a prompt. */
final class ScoreCommand implements Command {
    static final String USAGE = "drafthorse score -m MODEL.gguf -p PROMPT --candidates A,B,... [--threads T] [--json]";

    @Override
    public String name() {
        return "score";
    }

    @Override
    public String summary() {
        return "log-probability of candidate continuations after a prompt";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        ModelArgs.add(o);
        o.addOption(Args.opt("p", "prompt", "TEXT", "the prompt"));
        o.addOption(Args.opt("c", "candidates", "A,B,...", "comma-separated continuations, scored as written after the prompt"));
        o.addOption(Args.flag("json", "one JSON object per candidate: candidate, logprob, tokens"));
        Args a = Args.parse(USAGE, "Prints one line per candidate: the candidate, a tab, its total natural-log probability.", o, args);
        if (a == null) {
            return 0;
        }
        String prompt = a.require("prompt");
        List<String> candidates = Arrays.asList(a.require("candidates").split(",", -1));
        for (String c : candidates) {
            if (c.isEmpty()) {
                throw new UsageException("--candidates holds an empty candidate");
            }
        }
        try (Parallel par = new Parallel(ModelArgs.threads(a))) {
            Model model = ModelArgs.load(a, par);
            List<Scorer.Score> scores = new Scorer(model).score(prompt, candidates);
            ObjectMapper m = new ObjectMapper();
            for (int i = 0; i < candidates.size(); i++) {
                Scorer.Score s = scores.get(i);
                if (a.has("json")) {
                    ObjectNode n = m.createObjectNode();
                    n.put("candidate", candidates.get(i));
                    n.put("logprob", s.logprob());
                    n.set("tokens", m.valueToTree(s.tokens()));
                    System.out.println(m.writeValueAsString(n));
                } else {
                    System.out.println(candidates.get(i) + "\t" + s.logprob());
                }
            }
        }
        return 0;
    }
}
