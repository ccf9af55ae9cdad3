target_link_libraries(nm_parser PUBLIC PkgConfig::XML2 PkgConfig::JANSSON)
