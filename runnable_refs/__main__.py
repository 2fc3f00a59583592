"""``python -m runnable_refs ...`` and ``torchrun --nproc_per_node 2 -m runnable_refs run ...``."""

from runnable_refs.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
