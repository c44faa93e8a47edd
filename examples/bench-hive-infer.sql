-- llm_infer (batched) against llm_generate (a row at a time) over the same 200 rows, alternately, each a local
-- MapReduce job (BENCHMARKS.md, "Hive: llm_infer against llm_generate"). Greedy, so both generate the same tokens.
-- Run: scripts/drafthorse hive -f examples/bench-hive-infer.sql --hiveconf model=file://$PWD/../shared/models/stories260K.gguf
--      --hiveconf tokens=32 --hiveconf batch=32   (timings: Hive's "Time taken" on stderr)
SET hive.fetch.task.conversion=none;
CREATE TABLE bench_prompts AS
  SELECT concat('r', pos) AS id,
         concat(elt(pos % 4 + 1, 'Once upon a time, there was a ', 'One day, a little ', 'The sun was hot and the ',
                    'Tom and Lily saw a '),
                elt(pos % 10 + 1, 'cat', 'dog', 'bird', 'fish', 'frog', 'bear', 'bunny', 'duck', 'lion', 'mouse'),
                elt(pos % 7 + 1, ' who liked to play', ' in the park', ' with a red ball', ' and a big tree', ' at home',
                    ' by the sea', ' in the garden')) AS prompt
  FROM (SELECT posexplode(split(space(199), ' '))) t;
-- warm-up: model load and JIT for both forms
SELECT sum(g.tokens) FROM (SELECT * FROM bench_prompts LIMIT 8) p
  LATERAL VIEW llm_generate(p.prompt, '${hiveconf:model}', map('max_new_tokens', '${hiveconf:tokens}')) g
  AS sample_id, text, tokens, finish_reason, error;
SELECT sum(g.tokens) FROM (SELECT llm_infer(id, prompt, '${hiveconf:model}',
  map('max_new_tokens', '${hiveconf:tokens}', 'batch_size', '${hiveconf:batch}')) FROM (SELECT * FROM bench_prompts LIMIT 8) p) g;
-- the runs, alternately
SELECT 'llm_generate', sum(g.tokens), count(*) FROM bench_prompts p
  LATERAL VIEW llm_generate(p.prompt, '${hiveconf:model}', map('max_new_tokens', '${hiveconf:tokens}')) g
  AS sample_id, text, tokens, finish_reason, error;
SELECT 'llm_infer', sum(g.tokens), count(*) FROM (SELECT llm_infer(id, prompt, '${hiveconf:model}',
  map('max_new_tokens', '${hiveconf:tokens}', 'batch_size', '${hiveconf:batch}')) FROM bench_prompts) g;
SELECT 'llm_generate', sum(g.tokens), count(*) FROM bench_prompts p
  LATERAL VIEW llm_generate(p.prompt, '${hiveconf:model}', map('max_new_tokens', '${hiveconf:tokens}')) g
  AS sample_id, text, tokens, finish_reason, error;
SELECT 'llm_infer', sum(g.tokens), count(*) FROM (SELECT llm_infer(id, prompt, '${hiveconf:model}',
  map('max_new_tokens', '${hiveconf:tokens}', 'batch_size', '${hiveconf:batch}')) FROM bench_prompts) g;
SELECT 'llm_generate', sum(g.tokens), count(*) FROM bench_prompts p
  LATERAL VIEW llm_generate(p.prompt, '${hiveconf:model}', map('max_new_tokens', '${hiveconf:tokens}')) g
  AS sample_id, text, tokens, finish_reason, error;
SELECT 'llm_infer', sum(g.tokens), count(*) FROM (SELECT llm_infer(id, prompt, '${hiveconf:model}',
  map('max_new_tokens', '${hiveconf:tokens}', 'batch_size', '${hiveconf:batch}')) FROM bench_prompts) g;
