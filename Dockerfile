# Build stage: the production wheel, with the matcher compiled by mypyc (ELIGO_NATIVE=1,
# matching/native.py); the full python image has the C compiler that needs.
FROM python:3.11 AS build
ENV PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY app ./app
COPY criteria_rules ./criteria_rules
COPY matching ./matching
COPY migrations ./migrations
COPY bench ./bench
RUN ELIGO_NATIVE=1 pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////data/eligo.db

COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -r /wheels \
    && useradd --create-home --uid 10001 eligo && mkdir -p /data && chown eligo /data

USER eligo
WORKDIR /home/eligo
VOLUME ["/data"]
EXPOSE 8000
CMD ["eligo", "serve", "--host", "0.0.0.0", "--port", "8000"]
