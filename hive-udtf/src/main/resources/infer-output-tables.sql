-- External tables over the outputs of `drafthorse infer` (MapReduce). Replace the LOCATIONs with your output
-- directories. Hive skips _SUCCESS and _rejects/ inside them (names starting with _ are hidden).
-- (Tested: mapreduce-jobs InferHiveIT reads generate, score and embed outputs exactly this way; InferTablesHiveIT the
-- ORC and gzip-compressed generate outputs.)

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

-- --format orc (compressed: ORC's default codec, ZSTD in ORC 2; set orc.compress to change it)
CREATE EXTERNAL TABLE IF NOT EXISTS generations_orc (id STRING, text STRING, tokens INT, finish_reason STRING, prompt_tokens INT)
STORED AS ORC LOCATION 'hdfs:///data/out-orc';

CREATE EXTERNAL TABLE IF NOT EXISTS scores_orc (id STRING, prompt_tokens INT,
  candidates ARRAY<STRUCT<candidate: STRING, logprob: DOUBLE, prob: DOUBLE, tokens: INT>>)
STORED AS ORC LOCATION 'hdfs:///data/scores-orc';

CREATE EXTERNAL TABLE IF NOT EXISTS embeddings_orc (id STRING, embedding ARRAY<FLOAT>)
STORED AS ORC LOCATION 'hdfs:///data/vectors-orc';

-- --format parquet (SNAPPY-compressed; set parquet.compression to change it)
CREATE EXTERNAL TABLE IF NOT EXISTS generations_parquet (id STRING, text STRING, tokens INT, finish_reason STRING, prompt_tokens INT)
STORED AS PARQUET LOCATION 'hdfs:///data/out-parquet';

CREATE EXTERNAL TABLE IF NOT EXISTS scores_parquet (id STRING, prompt_tokens INT,
  candidates ARRAY<STRUCT<candidate: STRING, logprob: DOUBLE, prob: DOUBLE, tokens: INT>>)
STORED AS PARQUET LOCATION 'hdfs:///data/scores-parquet';

CREATE EXTERNAL TABLE IF NOT EXISTS embeddings_parquet (id STRING, embedding ARRAY<FLOAT>)
STORED AS PARQUET LOCATION 'hdfs:///data/vectors-parquet';

-- Compressed text outputs (-D mapreduce.output.fileoutputformat.compress=true, and the codec in
-- mapreduce.output.fileoutputformat.compress.codec, e.g. org.apache.hadoop.io.compress.GzipCodec) need no other
-- DDL: Hive reads part-m-NNNNN.gz through the tables above as it is.

-- the rejected rows of a run, with their reasons
CREATE EXTERNAL TABLE IF NOT EXISTS generation_rejects (file STRING, `offset` BIGINT, id STRING, reason STRING, input STRING)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.JsonSerDe'
STORED AS TEXTFILE LOCATION 'hdfs:///data/out/_rejects';
