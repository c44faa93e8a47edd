-- Registers the Drafthorse functions permanently in the current database of a Hive 4 cluster.
--
-- Replace hdfs:///path/to/drafthorse-<version>.jar with where you put the job jar
-- (mapreduce-jobs/target/drafthorse-<version>.jar after `mvn -B -DskipTests package`), for instance:
--   hdfs dfs -mkdir -p /apps/drafthorse && hdfs dfs -put drafthorse-0.1.0-SNAPSHOT.jar /apps/drafthorse/
-- and run this file with:  beeline -u "$JDBC_URL" -f drafthorse-functions.sql
-- Hive and Hadoop are provided by the cluster; the jar adds only Drafthorse and its engine.
-- The JVMs that run the functions need the Vector API module: add
--   --add-modules jdk.incubator.vector
-- to mapreduce.map.java.opts / mapreduce.reduce.java.opts (or the Tez/LLAP task options) and HiveServer2's
-- JVM options.

CREATE FUNCTION explode_prompts AS 'dev.drafthorse.hive.ExplodePromptsUDTF'
  USING JAR 'hdfs:///path/to/drafthorse-<version>.jar';
CREATE FUNCTION explode_chunks AS 'dev.drafthorse.hive.ExplodeChunksUDTF'
  USING JAR 'hdfs:///path/to/drafthorse-<version>.jar';
CREATE FUNCTION llm_generate AS 'dev.drafthorse.hive.LlmGenerateUDTF'
  USING JAR 'hdfs:///path/to/drafthorse-<version>.jar';
CREATE FUNCTION llm_infer AS 'dev.drafthorse.hive.LlmInferUDTF'
  USING JAR 'hdfs:///path/to/drafthorse-<version>.jar';
CREATE FUNCTION llm_score AS 'dev.drafthorse.hive.LlmScoreUDTF'
  USING JAR 'hdfs:///path/to/drafthorse-<version>.jar';
CREATE FUNCTION llm_embed AS 'dev.drafthorse.hive.LlmEmbedUDF'
  USING JAR 'hdfs:///path/to/drafthorse-<version>.jar';
CREATE FUNCTION ensemble_predict AS 'dev.drafthorse.hive.EnsemblePredictUDF'
  USING JAR 'hdfs:///path/to/drafthorse-<version>.jar';
