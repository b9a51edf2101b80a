"""Generated protobuf messages of REAPI v2, the Remote Workers API and their google deps."""
