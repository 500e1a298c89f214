"""The public API: gradient functions and the derivatives built from them."""
