// The built-in demo POS: see issue 3.
