target_link_libraries(nm_parser PUBLIC PkgConfig::XML2 PkgConfig::JANSSON)
# uchardet: charset detection when a page's declared charset is absent or wrong (parse_charset.c)
pkg_check_modules(UCHARDET REQUIRED IMPORTED_TARGET uchardet)
target_link_libraries(nm_parser PUBLIC PkgConfig::UCHARDET)
