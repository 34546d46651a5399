# The catalog server image used by docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY catalog ./catalog
COPY importers ./importers
RUN pip install --no-cache-dir . && useradd --create-home catalog
USER catalog
# Listening on every address, so requests must authenticate: API tokens by default. Create the
# first one (it is printed once) with
#   docker compose exec catalog catalog token create ops --scopes read,contacts,admin
# or, without compose, `docker exec <container> catalog token create ...` against the same store.
# Other modes: CATALOG_AUTH=oidc or proxy (README, "Securing it").
ENV CATALOG_HOST=0.0.0.0 CATALOG_PORT=8000 CATALOG_AUTH=token
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["catalog", "serve"]
