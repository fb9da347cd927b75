"""`python -m guanxi.modules.sales.fonts`: install the quote PDF's fonts (see __init__)."""

from guanxi.modules.sales.fonts import main

raise SystemExit(main())
