#!/usr/bin/env python
from anju.__main__ import main

if __name__ == "__main__":
    main()
