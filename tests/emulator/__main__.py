"""`python -m tests.emulator --world FILE`: serve a world until interrupted."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tests.emulator.server import Emulator
from tests.emulator.world import World, load_world


def main(argv: list[str] | None = None) -> None:
    """Start the emulator with the world in FILE and print each host's base URL."""
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--world", type=Path, required=True, help="world file (.json or .toml)")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: never)")
    args = parser.parse_args(argv)
    world = World.from_file(args.world)
    with Emulator() as emulator:
        load_world(emulator, world)
        for name in world.sites:
            print(f"{name}\t{emulator.base_url(name)}", flush=True)
        deadline = time.monotonic() + args.seconds if args.seconds else None
        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        print(f"served {len(emulator.requests)} requests", flush=True)


if __name__ == "__main__":
    main()
