# libstemmer ships no pkg-config file; jansson for summ_result_to_json.
find_library(NM_STEMMER_LIB stemmer REQUIRED)
find_path(NM_STEMMER_INCLUDE libstemmer.h REQUIRED)
target_include_directories(nm_summarizer PRIVATE ${NM_STEMMER_INCLUDE})
target_link_libraries(nm_summarizer PUBLIC PkgConfig::JANSSON ${NM_STEMMER_LIB} m)
# summ_llm: the OpenAI-compatible chat-completions client (libcurl multi).
include(GNUInstallDirs)
target_link_libraries(nm_summarizer PUBLIC PkgConfig::CURL)
target_compile_definitions(nm_summarizer PRIVATE
  NM_PROMPTS_INSTALL_DIR="${CMAKE_INSTALL_FULL_DATADIR}/newsmill/prompts")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/prompts/ DESTINATION ${CMAKE_INSTALL_DATADIR}/newsmill/prompts)
