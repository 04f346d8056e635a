# hlsinspect as a container image: the command line by default, an AWS Lambda function with
# the `lambda` target. Build from the repository root:
#
#   docker build -t hlsinspect .                       # ENTRYPOINT ["hlsinspect"]
#   docker run --rm -v "$PWD:/work" -w /work hlsinspect check fixtures/app1-transcoder-out/
#   docker build --target lambda -t hlsinspect-lambda .  # handler hlsinspect.aws_lambda.handler
#
# Both install the wheel built in the first stage, with the dependencies pinned in
# constraints.txt, and run as an unprivileged user.

ARG PYTHON_VERSION=3.13

FROM python:${PYTHON_VERSION}-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md LICENSE CHANGELOG.md MANIFEST.in constraints.txt ./
COPY hlsinspect ./hlsinspect
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=wheel /dist /dist
COPY constraints.txt /dist/
RUN pip install --no-cache-dir -c /dist/constraints.txt /dist/hlsinspect-*.whl \
    && rm -rf /dist \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin hlsinspect
WORKDIR /work

# AWS Lambda (container image): the runtime interface client calls the handler; set the
# function's image config, or use this target as it is.
FROM runtime AS lambda
RUN pip install --no-cache-dir awslambdaric==4.2.2
USER 10001
ENTRYPOINT ["python", "-m", "awslambdaric"]
CMD ["hlsinspect.aws_lambda.handler"]

FROM runtime AS cli
USER 10001
ENTRYPOINT ["hlsinspect"]
CMD ["--help"]
