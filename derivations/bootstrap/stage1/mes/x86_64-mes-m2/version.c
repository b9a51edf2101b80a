/* version.c: MES_VERSION, which configure writes into include/mes/config.h
 * as a #define (dropped by the M2 build; sx's glue). */

char *MES_VERSION = "0.24.2";
