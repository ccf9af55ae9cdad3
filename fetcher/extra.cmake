# The fetcher downloads with libcurl (multi interface).
target_link_libraries(nm_fetcher PUBLIC PkgConfig::CURL)
