# The publisher talks to PostgreSQL (libpq) and carries its schema migrations
# inside the binary: every migrations/NNN_name.sql is embedded at build time
# into a generated C file (pub_migrations_gen.c, build dir only) whose table
# pub_db_migrate applies in name order.
target_link_libraries(nm_publisher PUBLIC PkgConfig::PQ)
# Stories (pub_story) reuse the summarizer's tokenizer; the digest calls the
# LLM client for its overview and commentary.
target_link_libraries(nm_publisher PUBLIC nm_summarizer)

file(GLOB NM_PUB_MIGRATIONS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/migrations/*.sql)
list(SORT NM_PUB_MIGRATIONS)
set(NM_PUB_MIGRATIONS_C ${CMAKE_CURRENT_BINARY_DIR}/pub_migrations_gen.c)
add_custom_command(
  OUTPUT ${NM_PUB_MIGRATIONS_C}
  COMMAND ${CMAKE_COMMAND} -DOUT=${NM_PUB_MIGRATIONS_C} "-DFILES=${NM_PUB_MIGRATIONS}"
          -P ${CMAKE_CURRENT_SOURCE_DIR}/embed_migrations.cmake
  DEPENDS ${NM_PUB_MIGRATIONS} ${CMAKE_CURRENT_SOURCE_DIR}/embed_migrations.cmake
  COMMENT "embedding publisher migrations"
  VERBATIM)   # FILES is a ;-list: unquoted, the shell would split the command there
target_sources(nm_publisher PRIVATE ${NM_PUB_MIGRATIONS_C})
