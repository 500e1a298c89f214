"""The pipeline driver, the printer, the CUDA device form, loading and compiling."""
