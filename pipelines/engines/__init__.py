"""Execution backends. The local engine is plain pandas in one process (pipelines.run);
`spark` runs the same extraction and scoring functions on a Spark cluster."""
