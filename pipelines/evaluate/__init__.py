"""Evaluation against gold: mentions (per label and attribute), ConText on the NegEx corpus, patients."""
