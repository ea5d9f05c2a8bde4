"""What a run hands to people and databases: worklist, HTML report, OMOP NOTE_NLP, tables."""
