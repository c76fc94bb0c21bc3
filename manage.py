#!/usr/bin/env python
from profrost.cli import main

if __name__ == "__main__":
    main()
