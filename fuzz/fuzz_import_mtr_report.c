/* libFuzzer harness: trace importer, format "mtr-report". */
#define FUZZ_IMPORT_FORMAT "mtr-report"
#include "fuzz_import_common.h"
