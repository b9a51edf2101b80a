"""Remote execution over REAPI v2: sx as a client of any engine, and ``sx worker``.

The client (:mod:`.executor`) turns a resolved, sandboxed derivation into an
Action whose input root is the Merkle tree of its input closure, asks the
engine's action cache, uploads what the CAS lacks, executes, and downloads
the outputs into the build's scratch directory, from where they are
registered like local build outputs. The worker (:mod:`.worker`) leases such
actions through the Remote Workers API and runs them in the same sandbox.
Everything here needs the ``remote`` extra (grpcio, protobuf).
"""
