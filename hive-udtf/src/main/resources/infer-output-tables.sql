-- External tables over the outputs of `drafthorse infer` (MapReduce). Replace the LOCATIONs with your output
-- directories. Hive skips _SUCCESS and _rejects/ inside them (names starting with _ are hidden).
-- (Tested: mapreduce-jobs InferHiveIT reads generate, score and embed outputs exactly this way.)

-- --mode generate, JSON lines (the default output format)
CREATE EXTERNAL TABLE IF NOT EXISTS generations (id STRING, text STRING, tokens INT, finish_reason STRING, prompt_tokens INT)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.JsonSerDe'
STORED AS TEXTFILE LOCATION 'hdfs:///data/out';

-- --mode score, JSON lines: one row per input row, candidates as an array of structs
CREATE EXTERNAL TABLE IF NOT EXISTS scores (id STRING, prompt_tokens INT,
  candidates ARRAY<STRUCT<candidate: STRING, logprob: DOUBLE, prob: DOUBLE, tokens: INT>>)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.JsonSerDe'
STORED AS TEXTFILE LOCATION 'hdfs:///data/scores';
-- one row per candidate:
-- SELECT s.id, c.candidate, c.prob FROM scores s LATERAL VIEW explode(s.candidates) t AS c;

-- --mode generate --format tsv (Hive text, backslash-escaped)
CREATE EXTERNAL TABLE IF NOT EXISTS generations_tsv (id STRING, text STRING, tokens INT, finish_reason STRING, prompt_tokens INT)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe'
WITH SERDEPROPERTIES ('field.delim' = '\t', 'escape.delim' = '\\', 'serialization.escape.crlf' = 'true')
STORED AS TEXTFILE LOCATION 'hdfs:///data/out-tsv';

-- --mode score --format tsv: one line per (row, candidate)
CREATE EXTERNAL TABLE IF NOT EXISTS scores_tsv (id STRING, candidate STRING, logprob DOUBLE, prob DOUBLE, tokens INT, prompt_tokens INT)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe'
WITH SERDEPROPERTIES ('field.delim' = '\t', 'escape.delim' = '\\', 'serialization.escape.crlf' = 'true')
STORED AS TEXTFILE LOCATION 'hdfs:///data/scores-tsv';

-- --mode embed, JSON lines: one vector per row (also what the embed command writes)
CREATE EXTERNAL TABLE IF NOT EXISTS embeddings (id STRING, embedding ARRAY<FLOAT>)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.JsonSerDe'
STORED AS TEXTFILE LOCATION 'hdfs:///data/vectors';

-- --mode embed --format tsv: id, then the vector's floats separated by commas
CREATE EXTERNAL TABLE IF NOT EXISTS embeddings_tsv (id STRING, embedding ARRAY<FLOAT>)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe'
WITH SERDEPROPERTIES ('field.delim' = '\t', 'collection.delim' = ',', 'escape.delim' = '\\', 'serialization.escape.crlf' = 'true')
STORED AS TEXTFILE LOCATION 'hdfs:///data/vectors-tsv';

-- the rejected rows of a run, with their reasons
CREATE EXTERNAL TABLE IF NOT EXISTS generation_rejects (file STRING, `offset` BIGINT, id STRING, reason STRING, input STRING)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.JsonSerDe'
STORED AS TEXTFILE LOCATION 'hdfs:///data/out/_rejects';
