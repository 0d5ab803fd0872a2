/* libFuzzer harness: trace importer, format "mtr-json". */
#define FUZZ_IMPORT_FORMAT "mtr-json"
#include "fuzz_import_common.h"
