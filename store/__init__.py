"""The sx store: archives, store paths, the LMDB database and the local store."""
